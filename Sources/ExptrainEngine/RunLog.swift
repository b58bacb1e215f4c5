import ExptrainMetricsLog

/// What rank 0 writes at each log point: a line of `metrics.jsonl` (training) or
/// `valid.jsonl` (validation of each checkpoint), TensorBoard scalars, the learning
/// curves picture `curves.svg`, and the progress line on the terminal.
///
/// `valid.jsonl` is made with its first record, so an experiment without validation has
/// none. `curves.svg` is redrawn at every training log point, so a run that ends, is
/// preempted or is killed leaves the picture of what it logged.
final class RunLog {
    private let directory: RunDirectory
    private let metrics: MetricsJSONLWriter
    private var validation: MetricsJSONLWriter?
    private let board: TensorBoardWriter
    private var curves: RunCurves
    private let progress: ProgressPrinter?

    init(directory: RunDirectory, quiet: Bool, progress progressMode: ProgressMode) throws {
        self.directory = directory
        // A resumed run's picture starts with what its folder logged before.
        curves = try RunCurves(runFolder: directory.path)
        metrics = try MetricsJSONLWriter(path: directory.metricsPath)
        board = try TensorBoardWriter(directory: directory.path)
        progress = quiet ? nil : ProgressPrinter(mode: progressMode)
    }

    /// Writes one log point. `record`'s numeric entries also go to TensorBoard under
    /// `<group>/<key>`, at x = `step`.
    func write(_ record: [(String, MetricValue)], step: Int, wallTime: Double, group: String = "train") throws {
        if group == "valid" {
            let validation = try validation ?? MetricsJSONLWriter(path: directory.validationPath)
            self.validation = validation
            try validation.write(record)
        } else {
            try metrics.write(record)
            curves.append(record)
            try LearningCurvesPicture(runs: [curves]).write(to: directory.curvesPath)
        }
        let scalars = record.compactMap { key, value in
            key == "step" ? nil : value.numericValue.map { (tag: "\(group)/\(key)", value: $0) }
        }
        try board.add(scalars: scalars, step: step, wallTime: wallTime)
    }

    func show(_ line: ProgressLine) {
        progress?.show(line)
    }

    func close() {
        progress?.finish()
        metrics.close()
        validation?.close()
        board.close()
    }
}

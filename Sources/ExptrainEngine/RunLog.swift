import ExptrainMetricsLog

/// What rank 0 writes at each log point: a line of `metrics.jsonl` (training) or
/// `valid.jsonl` (validation of each checkpoint), TensorBoard scalars, the learning
/// curves picture `curves.svg`, and the progress line on the terminal.
///
/// `valid.jsonl` is made with its first record, so an experiment without validation has
/// none. `curves.svg` is redrawn at the first training log point, then at most every
/// `pictureInterval` seconds and when the log closes, so a run that ends or is preempted
/// leaves the picture of everything it logged, and one that is killed a picture at most
/// that old. Drawing it at every log point (every 40 ms of a fast CartPole run) was most of
/// the training loop's allocations.
final class RunLog {
    /// The least time between two drawings of `curves.svg`, in seconds.
    static let pictureInterval = 10.0

    private let directory: RunDirectory
    private let metrics: MetricsJSONLWriter
    private var validation: MetricsJSONLWriter?
    private let board: TensorBoardWriter
    private var curves: RunCurves
    private let progress: ProgressPrinter?
    /// A log point's TensorBoard scalars, refilled in place.
    private var scalars: [(tag: String, value: Double)] = []
    /// The TensorBoard tag (`group/key`) of each group's keys, made once per key.
    private var tags: [String: [String: String]] = [:]
    private var pictureDrawnAt: Double?
    private var pictureIsBehind = false

    /// `expectedLogPoints`: how many training log points the run will write at most, so
    /// that the learning curves are kept without growing arrays.
    init(directory: RunDirectory, quiet: Bool, progress progressMode: ProgressMode, expectedLogPoints: Int) throws {
        self.directory = directory
        // A resumed run's picture starts with what its folder logged before.
        curves = try RunCurves(runFolder: directory.path)
        curves.reserveCapacity(logPoints: expectedLogPoints)
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
            pictureIsBehind = true
            if pictureDrawnAt.map({ wallTime - $0 >= Self.pictureInterval }) ?? true {
                try drawPicture()
                pictureDrawnAt = wallTime
            }
        }
        scalars.removeAll(keepingCapacity: true)
        for (key, value) in record where key != "step" {
            guard let number = value.numericValue else { continue }
            scalars.append((tag: tag(group, key), value: number))
        }
        try board.add(scalars: scalars, step: step, wallTime: wallTime)
    }

    func show(_ line: ProgressLine) {
        progress?.show(line)
    }

    private func tag(_ group: String, _ key: String) -> String {
        if let tag = tags[group]?[key] { return tag }
        let tag = "\(group)/\(key)"
        tags[group, default: [:]][key] = tag
        return tag
    }

    /// Draws `curves.svg` from every training record so far.
    private func drawPicture() throws {
        try LearningCurvesPicture(runs: [curves]).write(to: directory.curvesPath)
        pictureIsBehind = false
    }

    /// Draws the picture's last records, ends the progress line and closes the files. A
    /// picture that cannot be written then only leaves the previous one.
    func close() {
        if pictureIsBehind { try? drawPicture() }
        progress?.finish()
        metrics.close()
        validation?.close()
        board.close()
    }
}

import Foundation

/// One run's learning curves: for each metric that `LearningCurvesPicture` draws, the
/// `(step, value)` points of the log points that have a value, in log order.
///
/// Read from a run's `metrics.jsonl`, or grown one log point at a time as a run writes it:
///
/// ```swift
/// var curves = try RunCurves(runFolder: "runs/cartpole-ppo/2026-11-29_10-00-00")   // label "cartpole-ppo/2026-11-29_10-00-00"
/// curves.append([("step", 204_800), ("episode_return_mean100", 212.4), ("success_mean100", nil)])
/// curves.points["episode_return_mean100"]?.last   // CurvePoint(step: 204800, value: 212.4)
/// ```
public struct RunCurves: Sendable, Equatable {
    /// The run's name in the picture's legend.
    public var label: String
    /// Metric key → its points; a metric without any value has no entry.
    public private(set) var points: [String: [CurvePoint]] = [:]
    /// The points each metric's array is made with room for (`reserveCapacity(logPoints:)`).
    private var reservedPoints = 0

    /// No points yet.
    public init(label: String) {
        self.label = label
    }

    /// The curves of the JSON lines in `metricsFile` (a missing file has none); a line
    /// that is not a JSON object with a numeric `step` is an error naming the line.
    public init(label: String, metricsFile: String) throws(MetricsLogError) {
        self.label = label
        guard FileManager.default.fileExists(atPath: metricsFile) else { return }
        guard let data = FileManager.default.contents(atPath: metricsFile) else {
            throw MetricsLogError("cannot read \(metricsFile)")
        }
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let step = (object["step"] as? NSNumber)?.doubleValue
            else {
                throw MetricsLogError("\(metricsFile) line \(index + 1) is not a metrics record (a JSON object with a numeric \"step\")")
            }
            for key in LearningCurvesPicture.metrics.map(\.key) {
                if let value = (object[key] as? NSNumber)?.doubleValue {
                    add(key, CurvePoint(step: step, value: value))
                }
            }
        }
    }

    /// The curves of the run folder at `path` (`<output-dir>/<tag>/<start time>`), from its
    /// `metrics.jsonl`, labelled with the last two parts of the path.
    public init(runFolder path: String) throws(MetricsLogError) {
        let parts = path.split(separator: "/")
        try self.init(label: parts.suffix(2).joined(separator: "/"), metricsFile: (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/") + "/metrics.jsonl")
    }

    /// Adds the drawn metrics of one log point (a `metrics.jsonl` record with its `step`).
    public mutating func append(_ record: [(String, MetricValue)]) {
        guard let step = record.first(where: { $0.0 == "step" }).flatMap({ $0.1.numericValue }) else { return }
        for (key, value) in record where LearningCurvesPicture.metrics.contains(where: { $0.key == key }) {
            if let number = value.numericValue {
                add(key, CurvePoint(step: step, value: number))
            }
        }
    }

    /// Makes room for `logPoints` more points per metric, so that a run that knows how many
    /// log points it will write appends them without growing an array (a doubling array was
    /// the last allocation of a training loop). At most `maximumReservation` points are
    /// reserved; past them the arrays grow as usual.
    public mutating func reserveCapacity(logPoints: Int) {
        let reservation = min(max(logPoints, 0), Self.maximumReservation)
        for key in points.keys { points[key]!.reserveCapacity(points[key]!.count + reservation) }
        reservedPoints = reservation
    }

    /// The most points per metric `reserveCapacity(logPoints:)` reserves (1.6 MB each).
    public static let maximumReservation = 100_000

    private mutating func add(_ key: String, _ point: CurvePoint) {
        guard point.step.isFinite && point.value.isFinite else { return }
        if points[key] == nil {
            var first: [CurvePoint] = []
            first.reserveCapacity(reservedPoints)
            points[key] = first
        }
        points[key]!.append(point)
    }

    /// Equal when the labels and the points are (reserved room is not compared).
    public static func == (lhs: RunCurves, rhs: RunCurves) -> Bool {
        lhs.label == rhs.label && lhs.points == rhs.points
    }
}

/// A point of a learning curve: a metric's value at a global step.
public struct CurvePoint: Sendable, Equatable {
    public var step: Double
    public var value: Double

    public init(step: Double, value: Double) {
        self.step = step
        self.value = value
    }
}

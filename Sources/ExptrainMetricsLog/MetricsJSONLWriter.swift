import ExptrainIO

/// Appends one JSON object per log point to `metrics.jsonl`.
///
/// Keys keep the order given, numbers are written so they read back as the same
/// `Double`, and each line reaches the file with a single write before `write`
/// returns, so a preempted run keeps every complete line. An existing file is appended
/// to, so a resumed run continues its log.
///
/// ```swift
/// let metrics = try MetricsJSONLWriter(path: "runs/cartpole/2026-11-29T10-00-00/metrics.jsonl")
/// try metrics.write([("step", 123_456), ("return", 212.4), ("success", 0.93)])
/// // {"step":123456,"return":212.4,"success":0.93}
/// ```
public final class MetricsJSONLWriter {
    /// The file being written.
    public var path: String { file.path }
    private let file: AppendOnlyFile
    /// The line being written, kept so that writing allocates nothing once it has grown.
    private var line = UTF8Bytes()

    /// Opens `path` for appending, creating the file (not its folder) if needed.
    public init(path: String) throws(MetricsLogError) {
        file = try AppendOnlyFile(path: path, exclusive: false)
    }

    /// Appends `record` as one line. Keys should be unique; they are written as given.
    public func write(_ record: [(String, MetricValue)]) throws(MetricsLogError) {
        line.removeAll()
        Self.append(record, to: &line)
        line.append(UInt8(ascii: "\n"))
        try file.append(line.bytes)
    }

    /// Closes the file. Writing after closing is an error; closing twice does nothing.
    public func close() {
        file.close()
    }

    /// `record` as a single-line JSON object, without the newline.
    static func line(for record: [(String, MetricValue)]) -> String {
        var text = UTF8Bytes()
        append(record, to: &text)
        return String(decoding: text.bytes, as: UTF8.self)
    }

    /// Appends `record` as a single-line JSON object, without the newline, to `text`.
    static func append(_ record: [(String, MetricValue)], to text: inout UTF8Bytes) {
        text.append(UInt8(ascii: "{"))
        for (index, (key, value)) in record.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            text.appendJSONQuoted(key)
            text.append(UInt8(ascii: ":"))
            value.appendJSON(to: &text)
        }
        text.append(UInt8(ascii: "}"))
    }
}

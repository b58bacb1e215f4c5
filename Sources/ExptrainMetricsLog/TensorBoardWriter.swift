import ExptrainIO
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes scalar curves to a TensorBoard event file, without TensorFlow or protobuf.
///
/// The file is `events.out.tfevents.<unix seconds>.<hostname>` in `directory`, as
/// TensorBoard's own writers name it, holding TFRecord-framed `tensorflow.Event`
/// messages: first the file version, then one event per log point with a
/// `simple_value` per tag. Each log point reaches the file with a single write before
/// `add` returns, so a preempted run keeps every point it logged; `flush()` also puts
/// them on disk. Point TensorBoard at the folder: `tensorboard --logdir runs/`.
///
/// ```swift
/// let board = try TensorBoardWriter(directory: "runs/cartpole/2026-11-29T10-00-00")
/// try board.add(scalars: [("train/return", 212.4), ("train/steps_per_second", 48_210)], step: 123_456)
/// board.close()
/// ```
public final class TensorBoardWriter {
    /// The event file being written.
    public var path: String { file.path }
    private let file: AppendOnlyFile
    /// The event and its record being written, kept so that adding scalars allocates
    /// nothing once they have grown.
    private var event = ProtobufEncoder()
    private var record: [UInt8] = []

    /// Creates `directory` if needed and starts a new event file in it.
    ///
    /// - Parameters:
    ///   - startTime: seconds since 1970, for the file name and the first event.
    ///   - hostname: the machine name in the file name; this machine's by default.
    public init(
        directory: String,
        startTime: Double = Date().timeIntervalSince1970,
        hostname: String? = nil
    ) throws(MetricsLogError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MetricsLogError("cannot create TensorBoard folder \(directory): \(error.localizedDescription)")
        }
        file = try Self.createEventFile(in: directory, name: "events.out.tfevents.\(Int(startTime)).\(hostname ?? currentHostname())")
        try file.append(tfRecord(TensorBoardEvent.fileVersionEvent(wallTime: startTime)))
    }

    /// Logs `scalars` at `step`, one curve per tag (TensorBoard groups tags by the text
    /// before the first `/`). Values are stored as 32-bit floats.
    ///
    /// - Parameter wallTime: seconds since 1970 when the values were measured.
    public func add(scalars: [(tag: String, value: Double)], step: Int, wallTime: Double = Date().timeIntervalSince1970) throws(MetricsLogError) {
        event.removeAll()
        TensorBoardEvent.appendScalarsEvent(scalars, step: step, wallTime: wallTime, to: &event)
        record.removeAll(keepingCapacity: true)
        appendTFRecord(event.bytes, to: &record)
        try file.append(record)
    }

    /// Puts every logged point on disk (`fsync`), so it survives a machine crash too.
    public func flush() throws(MetricsLogError) {
        try file.synchronize()
    }

    /// Closes the file. Adding after closing is an error; closing twice does nothing.
    public func close() {
        file.close()
    }

    /// A new file, never an existing one: a second writer started in the same second on
    /// the same machine gets a numbered name after the first, which TensorBoard reads
    /// in name order.
    private static func createEventFile(in directory: String, name: String) throws(MetricsLogError) -> AppendOnlyFile {
        var path = "\(directory)/\(name)"
        var attempt = 0
        while FileManager.default.fileExists(atPath: path) {
            attempt += 1
            path = "\(directory)/\(name).\(attempt)"
        }
        return try AppendOnlyFile(path: path, exclusive: true)
    }
}

/// This machine's name, as used in TensorBoard event file names.
private func currentHostname() -> String {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

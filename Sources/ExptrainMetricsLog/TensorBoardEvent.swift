import ExptrainIO

/// Encodings of the two kinds of `tensorflow.Event` message exptrain writes.
///
/// Field numbers, from TensorBoard's `event.proto` and `summary.proto`:
/// `Event { double wall_time = 1; int64 step = 2; string file_version = 3;
/// Summary summary = 5; }`, `Summary { repeated Value value = 1; }`,
/// `Summary.Value { string tag = 1; float simple_value = 2; }`.
enum TensorBoardEvent {
    /// The version TensorBoard expects in the first event of a file.
    static let fileVersion = "brain.Event:2"

    /// The first event of every file: when it was started and its format version.
    static func fileVersionEvent(wallTime: Double) -> [UInt8] {
        var event = ProtobufEncoder()
        event.appendDouble(field: 1, wallTime)
        event.appendString(field: 3, fileVersion)
        return event.bytes
    }

    /// One log point: scalar values under their tags at `step`. TensorBoard stores
    /// scalars as 32-bit floats, so values are rounded to `Float`.
    static func scalarsEvent(_ scalars: [(tag: String, value: Double)], step: Int, wallTime: Double) -> [UInt8] {
        var event = ProtobufEncoder()
        appendScalarsEvent(scalars, step: step, wallTime: wallTime, to: &event)
        return event.bytes
    }

    /// Appends the bytes of `scalarsEvent(scalars, step:, wallTime:)` to `event`, each
    /// nested message (the summary, its values) written in place after its length, which
    /// is worked out first, so a kept encoder allocates nothing.
    static func appendScalarsEvent(_ scalars: [(tag: String, value: Double)], step: Int, wallTime: Double, to event: inout ProtobufEncoder) {
        func valueSize(_ tag: String) -> Int {
            ProtobufEncoder.lengthDelimitedSize(field: 1, length: tag.utf8.count) + ProtobufEncoder.fixed32Size(field: 2)
        }
        var summarySize = 0
        for (tag, _) in scalars { summarySize += ProtobufEncoder.lengthDelimitedSize(field: 1, length: valueSize(tag)) }
        event.appendDouble(field: 1, wallTime)
        event.appendInt64(field: 2, Int64(step))
        event.appendMessageHeader(field: 5, length: summarySize)
        for (tag, value) in scalars {
            event.appendMessageHeader(field: 1, length: valueSize(tag))
            event.appendString(field: 1, tag)
            event.appendFloat(field: 2, Float(value))
        }
    }
}

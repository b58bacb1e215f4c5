/// A task, task sampler or task batch that can save its state in progress and restore it,
/// so that a run resumed from a checkpoint continues exactly where it stopped.
///
/// The state is plain numbers: 64-bit words (a `Double` as its `bitPattern`, a count as
/// itself), everything the object's future depends on. Restoring the words into an object
/// made the same way (the same sampler, the same constructor arguments) makes it behave,
/// step for step, as the saved one would have. A task or sampler that does not conform
/// still runs; a resumed run then starts its episodes again from new tasks.
///
/// ```swift
/// extension Corridor: ProgressSaving {
///     var savedProgress: [UInt64] { [UInt64(numStepsTaken), UInt64(position.bitPattern)] }
///     func restoreProgress(_ words: [UInt64]) throws {
///         guard words.count == 2 else { throw TaskError("a saved Corridor is 2 words, got \(words.count)") }
///         numStepsTaken = Int(words[0])
///         position = Float(bitPattern: UInt32(words[1]))
///     }
/// }
/// ```
public protocol ProgressSaving: AnyObject {
    /// Everything the object's future depends on, as words.
    var savedProgress: [UInt64] { get }
    /// Puts the object in the state `words` describe (words from `savedProgress` of an
    /// object made the same way); throws a `TaskError` for words it cannot have saved.
    func restoreProgress(_ words: [UInt64]) throws
}

/// Reads saved words front to back, for `ProgressSaving.restoreProgress(_:)`: each read
/// throws a `TaskError` naming `what` when the words run out or a value is out of range.
///
/// ```swift
/// var reader = ProgressReader(words, what: "a saved CartPole task")
/// let steps = try reader.count()
/// let x = try reader.double()
/// try reader.finish()
/// ```
public struct ProgressReader {
    private let words: [UInt64]
    private var next = 0
    private let what: String

    public init(_ words: [UInt64], what: String) {
        self.words = words
        self.what = what
    }

    /// The next word.
    public mutating func word() throws -> UInt64 {
        guard next < words.count else { throw TaskError("\(what) ends after \(words.count) words; it is corrupt") }
        next += 1
        return words[next - 1]
    }

    /// The next `count` words.
    public mutating func words(_ count: Int) throws -> [UInt64] {
        guard count >= 0, count <= words.count - next else {
            throw TaskError("\(what) has \(words.count - next) words left, \(count) are needed; it is corrupt")
        }
        next += count
        return Array(words[(next - count)..<next])
    }

    /// The next word as a count or index below `limit`.
    public mutating func count(below limit: Int = Int.max) throws -> Int {
        let value = try word()
        guard value < UInt64(limit) else { throw TaskError("\(what) holds \(value) where less than \(limit) is needed; it is corrupt") }
        return Int(value)
    }

    /// The next word as a flag (0 or 1).
    public mutating func flag() throws -> Bool {
        try count(below: 2) == 1
    }

    /// The next word as a `Double`'s bit pattern.
    public mutating func double() throws -> Double {
        Double(bitPattern: try word())
    }

    /// Throws when words are left over: they belong to something else.
    public func finish() throws {
        guard next == words.count else { throw TaskError("\(what) has \(words.count - next) words too many; it is corrupt") }
    }
}

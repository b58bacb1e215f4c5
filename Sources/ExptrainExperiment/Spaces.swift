/// The actions a task accepts.
///
/// exptrain's tasks take discrete actions (`0..<count`), as CartPole and MiniGrid do.
public enum ActionSpace: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// `count` actions, numbered `0..<count` (Gymnasium's `Discrete(count)`).
    case discrete(count: Int)

    /// The number of actions.
    public var count: Int {
        switch self {
        case .discrete(let count): count
        }
    }

    public var description: String { "Discrete(\(count))" }
}

/// The observations a task produces: a flat vector of `Float`s with a logical shape.
///
/// Observations are flat so that a rank can stack its environments' observations
/// into one batch without copying through nested arrays. `shape` says how to read
/// the vector (for example `[7, 7, 3]` for MiniGrid's egocentric view);
/// `low`/`high` are element-wise bounds, as in Gymnasium's `Box`.
public struct ObservationSpace: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The logical shape; the flat vector has `shape.reduce(1, *)` elements.
    public var shape: [Int]
    /// Lower bound of each element (may be `-.infinity`).
    public var low: [Float]
    /// Upper bound of each element (may be `.infinity`).
    public var high: [Float]

    /// A box of the given shape and element-wise bounds.
    public init(shape: [Int], low: [Float], high: [Float]) {
        let count = shape.reduce(1, *)
        precondition(low.count == count && high.count == count, "bounds must have one value per element")
        self.shape = shape
        self.low = low
        self.high = high
    }

    /// A box of the given shape whose elements all share the same bounds.
    public init(shape: [Int], low: Float, high: Float) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, low: [Float](repeating: low, count: count), high: [Float](repeating: high, count: count))
    }

    /// The number of `Float`s in one observation.
    public var size: Int { shape.reduce(1, *) }

    public var description: String { "Box(shape: \(shape))" }
}

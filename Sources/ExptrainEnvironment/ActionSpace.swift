/// The actions a task accepts, as in Gymnasium: `Discrete(n)`, `MultiDiscrete([n…])` or a
/// continuous `Box`.
///
/// Rollout storage holds every action as `dimensions` floats (CleanRL's `envs.single_action_space.shape`),
/// so storage, minibatches and losses are sized by the space, never by an action count.
///
/// ```swift
/// let cartPole = ActionSpace.discrete(count: 2)
/// let arm = ActionSpace.box(Box(shape: [6], low: -1, high: 1))
/// ```
public enum ActionSpace: Sendable, Hashable, CustomStringConvertible {
    /// `count` actions, numbered `0..<count` (Gymnasium's `Discrete(count)`).
    case discrete(count: Int)
    /// One discrete choice per component, component `i` in `0..<counts[i]` (`MultiDiscrete(counts)`).
    case multiDiscrete(counts: [Int])
    /// A continuous action in a box of Float32 values (`Box(low, high, shape)`).
    case box(Box)

    /// Floats per action in rollout storage: 1, the number of components, or the box's size.
    public var dimensions: Int {
        switch self {
        case .discrete: 1
        case .multiDiscrete(let counts): counts.count
        case .box(let box): box.size
        }
    }

    public var description: String {
        switch self {
        case .discrete(let count): "Discrete(\(count))"
        case .multiDiscrete(let counts): "MultiDiscrete(\(counts))"
        case .box(let box): "Box(shape: \(box.shape), low: \(box.low.min() ?? 0), high: \(box.high.max() ?? 0))"
        }
    }

    /// Throws when no action could be drawn from this space (an empty or non-float box, a
    /// choice between no actions).
    public func validate() throws(SpaceError) {
        switch self {
        case .discrete(let count):
            guard count >= 1 else { throw SpaceError("Discrete(\(count)) has no actions; a Discrete space needs at least 1") }
        case .multiDiscrete(let counts):
            guard !counts.isEmpty, counts.allSatisfy({ $0 >= 1 }) else {
                throw SpaceError("MultiDiscrete(\(counts)) needs at least one component, each with at least 1 action")
            }
        case .box(let box):
            guard box.size >= 1, box.elementType == .float32 else {
                throw SpaceError("a continuous action space must be a non-empty Float32 Box, got \(box)")
            }
            guard zip(box.low, box.high).allSatisfy({ $0 <= $1 }) else {
                throw SpaceError("action Box \(box.shape) has a lower bound above its upper bound")
            }
        }
    }

    /// The action whose stored form is `stored` (`dimensions` floats), as the task receives
    /// it: discrete components as integers, a Box action clipped to the box (CleanRL's
    /// `np.clip(action, low, high)` where the environment is stepped).
    public func action(fromStored stored: UnsafeBufferPointer<Float>) -> Action {
        var action = Action.discrete(0)
        decode(stored, into: &action)
        return action
    }

    /// `action(fromStored:)` written over `action`, reusing its array when it has one of
    /// the right kind: a rollout that decodes into the same value each step allocates nothing.
    public func decode(_ stored: UnsafeBufferPointer<Float>, into action: inout Action) {
        precondition(stored.count == dimensions, "\(stored.count) stored values for an action of \(self)")
        switch self {
        case .discrete:
            action = .discrete(Int(stored[0]))
        case .multiDiscrete(let counts):
            var indices: [Int]
            if case .multiDiscrete(let kept) = action, kept.count == counts.count { indices = kept } else { indices = [Int](repeating: 0, count: counts.count) }
            action = .discrete(0)  // lets `indices` be the array's only owner, so it is written in place
            for i in 0..<counts.count { indices[i] = Int(stored[i]) }
            action = .multiDiscrete(indices)
        case .box(let box):
            var values: [Float]
            if case .continuous(let kept) = action, kept.count == box.size { values = kept } else { values = [Float](repeating: 0, count: box.size) }
            action = .discrete(0)
            for i in 0..<box.size { values[i] = min(max(stored[i], box.low[i]), box.high[i]) }
            action = .continuous(values)
        }
    }

    /// Writes `action` in its stored form (`dimensions` floats) to `stored`.
    public func store(_ action: Action, into stored: UnsafeMutableBufferPointer<Float>) throws(SpaceError) {
        precondition(stored.count == dimensions, "\(stored.count) stored values for an action of \(self)")
        switch (self, action) {
        case (.discrete(let count), .discrete(let index)):
            guard (0..<count).contains(index) else { throw SpaceError("action \(index) is outside Discrete(\(count))") }
            stored[0] = Float(index)
        case (.multiDiscrete(let counts), .multiDiscrete(let indices)):
            guard indices.count == counts.count, zip(indices, counts).allSatisfy({ (0..<$1).contains($0) }) else {
                throw SpaceError("action \(indices) is outside MultiDiscrete(\(counts))")
            }
            for (i, index) in indices.enumerated() { stored[i] = Float(index) }
        case (.box(let box), .continuous(let values)):
            guard values.count == box.size else { throw SpaceError("action of \(values.count) values for \(box)") }
            _ = stored.update(fromContentsOf: values)
        default:
            throw SpaceError("action \(action) does not belong to \(self)")
        }
    }
}

/// A space that cannot be used, or a value that does not belong to its space.
public struct SpaceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

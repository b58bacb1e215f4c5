/// One action for one environment, of the kind its `ActionSpace` says.
///
/// ```swift
/// try task.step(action: .discrete(1))                 // Discrete
/// try task.step(action: .multiDiscrete([2, 0]))       // MultiDiscrete
/// try task.step(action: .continuous([0.3, -1]))       // Box, already clipped to the box
/// ```
public enum Action: Sendable, Hashable, CustomStringConvertible {
    case discrete(Int)
    case multiDiscrete([Int])
    case continuous([Float])

    /// The index of a discrete action; `nil` for the other kinds.
    public var index: Int? {
        if case .discrete(let index) = self { return index }
        return nil
    }

    public var description: String {
        switch self {
        case .discrete(let index): "\(index)"
        case .multiDiscrete(let indices): "\(indices)"
        case .continuous(let values): "\(values)"
        }
    }
}

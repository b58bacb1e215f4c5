/// MinAtar's sticky actions (`Environment.act`): with probability p the environment
/// ignores the agent's action and repeats the one it executed last.
///
/// Each step draws u uniform in [0, 1) (numpy's `rand()`); the executed action is the
/// previous executed one when u < p, else the agent's. Before the first step the last
/// executed action is 0 (no-op), MinAtar's initial `last_action`.
///
/// ```swift
/// var sticky = StickyActions(probability: 0.1)
/// let executed = sticky.resolve(3, draw: rng.nextUniformDouble())
/// ```
public struct StickyActions: Sendable, Equatable {
    /// MinAtar's default `sticky_action_prob`.
    public static let minAtarProbability = 0.1
    /// The probability p of repeating the last executed action.
    public let probability: Double
    /// The action executed last (of the game's full action set).
    public private(set) var lastAction: Int

    public init(probability: Double = StickyActions.minAtarProbability, lastAction: Int = 0) {
        precondition((0...1).contains(probability), "the sticky-action probability must be in [0, 1], got \(probability)")
        self.probability = probability
        self.lastAction = lastAction
    }

    /// The action executed for the agent's `action`, given this step's uniform `draw`.
    public mutating func resolve(_ action: Int, draw: Double) -> Int {
        if draw >= probability { lastAction = action }
        return lastAction
    }
}

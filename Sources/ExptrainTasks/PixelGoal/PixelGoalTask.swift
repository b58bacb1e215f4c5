import ExptrainEnvironment
import ExptrainRandom

/// A goal seen in pixels, walked to by position: the smallest task that needs both parts
/// of a dictionary observation (an image and a vector, as AllenAct's sensors give them).
///
/// An `size × size` grid holds a goal cell and the agent, each placed uniformly at random
/// (never on the same cell). The observation is
///
/// - `image`: UInt8 `[size, size, 1]`, 255 on the goal's cell, 0 elsewhere (the agent is
///   not drawn)
/// - `position`: Float32 `[2]`, the agent's `2 · (row, column) / (size − 1) − 1` in `[−1, 1]`
///   (centred, so a linear head weighs it from the start)
///
/// so the image alone says where to go but not where the agent is, and the vector alone
/// the reverse. Actions `Discrete(4)`: up, down, left, right (a move into the border does
/// nothing). Reaching the goal ends the episode with MiniGrid's reward
/// `1 − 0.9 · steps / maxSteps` (0 on every other step); `maxSteps` (default `4 · size`)
/// truncates it. An optimal agent needs the Manhattan distance in steps.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let task = PixelGoalTask(size: 5, using: &generator)
/// let result = try task.step(action: .discrete(3))     // one step right
/// ```
public final class PixelGoalTask: Task, ProgressSaving {
    /// The side of the grid.
    public let size: Int
    public let actionSpace = ActionSpace.discrete(count: 4)
    public let observationSpace: ObservationSpace
    public private(set) var currentObservation: Observation
    public private(set) var numStepsTaken = 0
    public let maxSteps: Int
    public private(set) var isDone = false
    /// The agent's `(row, column)`.
    public private(set) var agent: (row: Int, column: Int)
    /// The goal's `(row, column)`.
    public private(set) var goal: (row: Int, column: Int)
    private var episodeReturn: Double = 0
    private var reachedGoal = false

    /// The observation space of a grid of side `size`.
    public static func observationSpace(size: Int) -> ObservationSpace {
        .dictionary([
            ObservationPart("image", Box(shape: [size, size, 1], low: 0, high: 255, elementType: .uint8)),
            ObservationPart("position", Box(shape: [2], low: -1, high: 1)),
        ])
    }

    /// An episode on a grid of side `size` (at least 2) with the goal and the start drawn from `generator`.
    public init(size: Int = 5, maxSteps: Int? = nil, using generator: inout RandomGenerator) {
        precondition(size >= 2, "a pixel-goal grid needs a side of at least 2")
        self.size = size
        self.maxSteps = maxSteps ?? 4 * size
        observationSpace = Self.observationSpace(size: size)
        let cells = size * size
        let goalCell = generator.nextInt(below: cells)
        let agentCell = (goalCell + 1 + generator.nextInt(below: cells - 1)) % cells
        goal = (goalCell / size, goalCell % size)
        agent = (agentCell / size, agentCell % size)
        var bytes = [UInt8](repeating: 0, count: cells)
        bytes[goalCell] = 255
        currentObservation = Observation(floats: [0, 0], bytes: bytes)
        writePosition()
    }

    public func step(action: Action) throws -> StepResult {
        guard let move = action.index, (0..<4).contains(move) else {
            throw TaskError("pixel-goal takes a discrete action 0-3 (up, down, left, right), got \(action)")
        }
        precondition(!isDone, "step(action:) after the episode ended")
        numStepsTaken += 1
        switch move {
        case 0: agent.row = max(agent.row - 1, 0)
        case 1: agent.row = min(agent.row + 1, size - 1)
        case 2: agent.column = max(agent.column - 1, 0)
        default: agent.column = min(agent.column + 1, size - 1)
        }
        writePosition()
        reachedGoal = agent == goal
        let reward: Float = reachedGoal ? 1 - 0.9 * Float(numStepsTaken) / Float(maxSteps) : 0
        episodeReturn += Double(reward)
        let truncated = !reachedGoal && numStepsTaken >= maxSteps
        isDone = reachedGoal || truncated
        return StepResult(observation: currentObservation, reward: reward, terminated: reachedGoal, truncated: truncated)
    }

    public func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: reachedGoal)
    }

    /// Steps taken, the done and goal-reached flags, the return, the agent's row and column,
    /// the goal's row and column; the observation is rebuilt from the two cells.
    public var savedProgress: [UInt64] {
        [UInt64(numStepsTaken), isDone ? 1 : 0, reachedGoal ? 1 : 0, episodeReturn.bitPattern]
            + [agent.row, agent.column, goal.row, goal.column].map { UInt64($0) }
    }

    public func restoreProgress(_ words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a saved pixel-goal task")
        let steps = try reader.count(below: maxSteps + 1)
        let (done, reached) = (try reader.flag(), try reader.flag())
        let episodeReturn = try reader.double()
        let agent = (row: try reader.count(below: size), column: try reader.count(below: size))
        let goal = (row: try reader.count(below: size), column: try reader.count(below: size))
        try reader.finish()
        (numStepsTaken, isDone, reachedGoal, self.episodeReturn) = (steps, done, reached, episodeReturn)
        currentObservation.bytes[self.goal.row * size + self.goal.column] = 0
        (self.agent, self.goal) = (agent, goal)
        currentObservation.bytes[goal.row * size + goal.column] = 255
        writePosition()
    }

    /// A shortest-path move: along the rows first, then the columns.
    public func expertAction() -> Action? {
        if agent.row != goal.row { return .discrete(agent.row < goal.row ? 1 : 0) }
        if agent.column != goal.column { return .discrete(agent.column < goal.column ? 3 : 2) }
        return nil
    }

    private func writePosition() {
        currentObservation.floats[0] = 2 * Float(agent.row) / Float(size - 1) - 1
        currentObservation.floats[1] = 2 * Float(agent.column) / Float(size - 1) - 1
    }
}

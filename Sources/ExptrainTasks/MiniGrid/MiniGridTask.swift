import ExptrainEnvironment
import ExptrainRandom

/// One episode of a MiniGrid world, stepped with MiniGrid's rules.
///
/// Actions are MiniGrid's (`MiniGridAction`): 0 turn left, 1 turn right, 2 forward,
/// 3 pick up, 4 drop, 5 toggle, 6 done. Forward moves onto an empty cell, an open
/// door or the goal, and is blocked by anything else; pick-up takes the key in front
/// when the hands are empty; drop puts the carried object onto the empty cell in
/// front; toggle unlocks (and opens) a locked door only while carrying a key of its
/// colour, and opens or closes an unlocked door; done does nothing.
///
/// Reaching the goal terminates the episode with reward
///
///     r = 1 − 0.9 · stepCount / maxSteps
///
/// (stepCount counts this step); every other step pays 0. The episode is truncated
/// when stepCount reaches `maxSteps`. The observation is the egocentric 7×7×3 view
/// described on `MiniGridView` (flattened with the view column first, then row,
/// then channel, as MiniGrid's `image[x][y][channel]`).
///
/// ```swift
/// var rng = RandomGenerator(seed: 1)
/// let task = MiniGridTask(environment: .doorKey5x5, using: &rng)
/// while !task.isDone { _ = try task.step(action: task.expertAction()!) }
/// print(task.metrics().success)   // Optional(true)
/// ```
public final class MiniGridTask: Task, ProgressSaving {
    public let actionSpace = ActionSpace.discrete(count: MiniGridAction.allCases.count)
    /// Shape [7, 7, 3], values 0...255 as MiniGrid's `image` box.
    public let observationSpace = ObservationSpace(shape: [MiniGridView.size, MiniGridView.size, 3], low: 0, high: 255)
    public private(set) var currentObservation = Observation(floats: [Float](repeating: 0, count: MiniGridView.encodedCount))
    public private(set) var numStepsTaken = 0
    public let maxSteps: Int
    public private(set) var isDone = false

    /// The world as it is now.
    public private(set) var grid: MiniGridGrid
    public private(set) var agentPosition: GridPosition
    public private(set) var agentDirection: MiniGridDirection
    /// The object the agent holds, if any.
    public private(set) var carrying: MiniGridObject?
    /// Whether the view ignores occlusion (MiniGrid's `see_through_walls`).
    public let seesThroughWalls: Bool

    private var reachedGoal = false
    private var episodeReturn = 0.0
    private var view = MiniGridView()
    /// Made by the first `expertAction()`: most training never asks. Kept when the task is
    /// restarted on a level of the same size (it plans from the state it is given). Not
    /// `lazy`: mutating a lazy property copies it, and with it the planner's buffers.
    private var expert: MiniGridExpert?

    /// An episode starting from `level`.
    public init(level: MiniGridLevel, maxSteps: Int, seesThroughWalls: Bool) {
        precondition(maxSteps > 0, "maxSteps must be positive")
        grid = level.grid
        agentPosition = level.agentPosition
        agentDirection = level.agentDirection
        carrying = level.carrying
        self.maxSteps = maxSteps
        self.seesThroughWalls = seesThroughWalls
        writeObservation()
    }

    /// An episode of a new level of `environment`, drawn from `rng`, with that environment's step limit and view.
    public convenience init(environment: MiniGridEnvironment, using rng: inout RandomGenerator) {
        self.init(level: environment.generateLevel(using: &rng), maxSteps: environment.maxSteps, seesThroughWalls: environment.seesThroughWalls)
    }

    /// Starts this task's next episode on `level`, in the task's own storage: afterwards it
    /// is what `init(level:maxSteps:seesThroughWalls:)` with its step limit and view makes.
    func restart(on level: MiniGridLevel) {
        if level.grid.width != grid.width || level.grid.height != grid.height { expert = nil }
        grid = level.grid
        agentPosition = level.agentPosition
        agentDirection = level.agentDirection
        carrying = level.carrying
        numStepsTaken = 0
        isDone = false
        reachedGoal = false
        episodeReturn = 0
        writeObservation()
    }

    public func step(action: Action) throws -> StepResult {
        guard !isDone else { throw TaskError("step(action:) called on a finished MiniGrid episode") }
        guard let index = action.index, let action = MiniGridAction(rawValue: index) else {
            throw TaskError("MiniGrid actions are Discrete(7), 0...6, got \(action)")
        }
        numStepsTaken += 1
        var reward = 0.0
        var terminated = false
        let front = agentPosition.moved(agentDirection)
        let frontCell = grid[front]

        switch action {
        case .left:
            agentDirection = agentDirection.turnedLeft
        case .right:
            agentDirection = agentDirection.turnedRight
        case .forward:
            if frontCell?.canOverlap ?? true {
                agentPosition = front
            }
            if frontCell == .goal {
                terminated = true
                reachedGoal = true
                reward = 1 - 0.9 * (Double(numStepsTaken) / Double(maxSteps))
            }
        case .pickup:
            if let frontCell, frontCell.canPickUp, carrying == nil {
                carrying = frontCell
                grid[front] = nil
            }
        case .drop:
            if frontCell == nil, let carried = carrying {
                grid[front] = carried
                carrying = nil
            }
        case .toggle:
            if case .door(let color, let state) = frontCell {
                grid[front] = .door(color, toggled(state, doorColor: color))
            }
        case .done:
            break
        }

        let truncated = numStepsTaken >= maxSteps
        isDone = terminated || truncated
        episodeReturn += reward
        writeObservation()
        return StepResult(observation: currentObservation, reward: Float(reward), terminated: terminated, truncated: truncated)
    }

    /// Return, length, and whether the goal was reached.
    public func metrics() -> TaskMetrics {
        TaskMetrics(episodeReturn: episodeReturn, length: numStepsTaken, success: reachedGoal)
    }

    /// The first action of a shortest plan to the goal (see `MiniGridExpert`); `nil`
    /// once the episode is over or when no plan exists.
    public func expertAction() -> Action? {
        guard !isDone else { return nil }
        if expert == nil { expert = MiniGridExpert(width: grid.width, height: grid.height) }
        return expert!.nextAction(grid: grid, agentPosition: agentPosition, agentDirection: agentDirection, carrying: carrying).map { .discrete($0.rawValue) }
    }

    /// The step count, the episode's end (over, goal reached), the return, the agent's
    /// position, direction and load, then every cell row by row (0 for empty, else its
    /// MiniGrid encoding as `type·2¹⁶ + colour·2⁸ + state`).
    public var savedProgress: [UInt64] {
        var words: [UInt64] = [UInt64(numStepsTaken), isDone ? 1 : 0, reachedGoal ? 1 : 0, episodeReturn.bitPattern]
        words += [UInt64(agentPosition.x), UInt64(agentPosition.y), UInt64(agentDirection.rawValue), Self.word(carrying)]
        for y in 0..<grid.height {
            for x in 0..<grid.width { words.append(Self.word(grid[GridPosition(x: x, y: y)])) }
        }
        return words
    }

    public func restoreProgress(_ words: [UInt64]) throws {
        var reader = ProgressReader(words, what: "a saved MiniGrid task")
        let steps = try reader.count(below: maxSteps + 1)
        let (done, reached) = (try reader.flag(), try reader.flag())
        let episodeReturn = try reader.double()
        let position = GridPosition(x: try reader.count(below: grid.width), y: try reader.count(below: grid.height))
        let direction = MiniGridDirection(rawValue: try reader.count(below: 4))!
        let carried = try Self.object(try reader.word())
        var restored = MiniGridGrid(width: grid.width, height: grid.height)
        for y in 0..<grid.height {
            for x in 0..<grid.width { restored[GridPosition(x: x, y: y)] = try Self.object(try reader.word()) }
        }
        try reader.finish()
        (numStepsTaken, isDone, reachedGoal, self.episodeReturn) = (steps, done, reached, episodeReturn)
        (agentPosition, agentDirection, carrying, grid) = (position, direction, carried, restored)
        writeObservation()
    }

    private static func word(_ object: MiniGridObject?) -> UInt64 {
        guard let encoding = object?.encoding else { return 0 }
        return UInt64(encoding.type) << 16 | UInt64(encoding.color) << 8 | UInt64(encoding.state)
    }

    private static func object(_ word: UInt64) throws -> MiniGridObject? {
        guard word != 0 else { return nil }
        let encoding = (type: Int(word >> 16), color: Int((word >> 8) & 0xff), state: Int(word & 0xff))
        guard word < 1 << 24, let object = MiniGridObject(encoding: encoding) else {
            throw TaskError("a saved MiniGrid task holds \(word), which encodes no object; it is corrupt")
        }
        return object
    }

    /// MiniGrid's `Door.toggle`: a locked door opens only for a key of its colour.
    private func toggled(_ state: MiniGridDoorState, doorColor: MiniGridColor) -> MiniGridDoorState {
        switch state {
        case .locked: carrying == .key(doorColor) ? .open : .locked
        case .closed: .open
        case .open: .closed
        }
    }

    private func writeObservation() {
        view.encode(
            grid: grid, agentPosition: agentPosition, agentDirection: agentDirection,
            carrying: carrying, seesThroughWalls: seesThroughWalls, into: &currentObservation.floats
        )
    }
}

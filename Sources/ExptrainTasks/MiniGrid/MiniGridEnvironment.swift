import ExptrainRandom

/// The built-in MiniGrid environments, each generating levels as the MiniGrid
/// environment of the same Gymnasium id does.
///
/// - Empty (`MiniGrid-Empty-N×N-v0`): a walled room, the goal in the bottom-right
///   corner (N−2, N−2), the agent at (1, 1) facing right. The Random variants place
///   the agent on any free cell, facing any way. MiniGrid's Empty rooms see through
///   walls (`see_through_walls=True`); their step limit is 4·N².
/// - DoorKey (`MiniGrid-DoorKey-N×N-v0`): a wall at a random column in 2..<N−2 splits
///   the room; a locked yellow door sits in it at a random row in 1..<N−2; the agent
///   (random cell and direction) and a yellow key (random free cell) are on the left,
///   the goal in the bottom-right corner. Views are occluded; the limit is 10·N².
///
/// The random draws come from exptrain's `RandomGenerator`, so levels differ from
/// MiniGrid's numpy stream for the same seed; the distribution over levels is the same.
///
/// ```swift
/// var rng = RandomGenerator(seed: 3)
/// let level = MiniGridEnvironment.doorKey8x8.generateLevel(using: &rng)
/// let task = MiniGridTask(environment: .emptyRandom6x6, using: &rng)
/// ```
public enum MiniGridEnvironment: String, Sendable, CaseIterable {
    case empty5x5 = "MiniGrid-Empty-5x5-v0"
    case emptyRandom5x5 = "MiniGrid-Empty-Random-5x5-v0"
    case empty6x6 = "MiniGrid-Empty-6x6-v0"
    case emptyRandom6x6 = "MiniGrid-Empty-Random-6x6-v0"
    case empty8x8 = "MiniGrid-Empty-8x8-v0"
    case doorKey5x5 = "MiniGrid-DoorKey-5x5-v0"
    case doorKey6x6 = "MiniGrid-DoorKey-6x6-v0"
    case doorKey8x8 = "MiniGrid-DoorKey-8x8-v0"

    /// The Gymnasium id of the MiniGrid environment this one reproduces.
    public var gymnasiumID: String { rawValue }

    /// Width and height of the (square) world, walls included.
    public var size: Int {
        switch self {
        case .empty5x5, .emptyRandom5x5, .doorKey5x5: 5
        case .empty6x6, .emptyRandom6x6, .doorKey6x6: 6
        case .empty8x8, .doorKey8x8: 8
        }
    }

    private var isDoorKey: Bool {
        switch self {
        case .doorKey5x5, .doorKey6x6, .doorKey8x8: true
        default: false
        }
    }

    private var hasRandomStart: Bool { self == .emptyRandom5x5 || self == .emptyRandom6x6 }

    /// MiniGrid's `max_steps`: 4·size² for Empty, 10·size² for DoorKey.
    public var maxSteps: Int { (isDoorKey ? 10 : 4) * size * size }

    /// MiniGrid's `see_through_walls`: `True` for Empty, the default `False` for DoorKey.
    public var seesThroughWalls: Bool { !isDoorKey }

    /// The number of distinct levels the environment generates.
    public var levelCount: Int {
        let inner = size - 2
        if isDoorKey {
            // Per split column s: left cells a = (s−1)·inner; agent a·4 ways, key a−1 cells, door N−3 rows.
            let doorRows = size - 3
            return (2..<(size - 2)).reduce(0) { total, split in
                let leftCells = (split - 1) * inner
                return total + leftCells * 4 * (leftCells - 1) * doorRows
            }
        }
        // A random start may be any free cell but the goal's, facing any way.
        return hasRandomStart ? (inner * inner - 1) * 4 : 1
    }

    /// A new level, drawing its random choices from `rng`.
    public func generateLevel(using rng: inout RandomGenerator) -> MiniGridLevel {
        var grid = MiniGridGrid.walledRoom(width: size, height: size)
        grid[GridPosition(x: size - 2, y: size - 2)] = .goal
        if isDoorKey {
            return generateDoorKey(grid: grid, using: &rng)
        }
        guard hasRandomStart else {
            return MiniGridLevel(grid: grid, agentPosition: GridPosition(x: 1, y: 1), agentDirection: .right)
        }
        let start = Self.randomFreeCell(in: grid, columns: 0..<size, excluding: nil, using: &rng)
        return MiniGridLevel(grid: grid, agentPosition: start, agentDirection: Self.randomDirection(using: &rng))
    }

    /// MiniGrid's `DoorKeyEnv._gen_grid`, in its order of draws.
    private func generateDoorKey(grid: MiniGridGrid, using rng: inout RandomGenerator) -> MiniGridLevel {
        var grid = grid
        let splitColumn = 2 + rng.nextInt(below: size - 4)
        for y in 0..<size { grid[GridPosition(x: splitColumn, y: y)] = .greyWall }
        let leftSide = 0..<splitColumn
        let agentPosition = Self.randomFreeCell(in: grid, columns: leftSide, excluding: nil, using: &rng)
        let agentDirection = Self.randomDirection(using: &rng)
        let doorRow = 1 + rng.nextInt(below: size - 3)
        grid[GridPosition(x: splitColumn, y: doorRow)] = .door(.yellow, .locked)
        let keyPosition = Self.randomFreeCell(in: grid, columns: leftSide, excluding: agentPosition, using: &rng)
        grid[keyPosition] = .key(.yellow)
        return MiniGridLevel(grid: grid, agentPosition: agentPosition, agentDirection: agentDirection)
    }

    /// MiniGrid's `place_obj` rejection sampling: a uniform cell in `columns` × all
    /// rows, redrawn until it is empty and not `excluded` (the agent's cell).
    private static func randomFreeCell(
        in grid: MiniGridGrid, columns: Range<Int>, excluding excluded: GridPosition?, using rng: inout RandomGenerator
    ) -> GridPosition {
        while true {
            let x = columns.lowerBound + rng.nextInt(below: columns.count)
            let y = rng.nextInt(below: grid.height)
            let candidate = GridPosition(x: x, y: y)
            if grid[candidate] == nil && candidate != excluded { return candidate }
        }
    }

    private static func randomDirection(using rng: inout RandomGenerator) -> MiniGridDirection {
        MiniGridDirection(rawValue: rng.nextInt(below: 4))!
    }
}

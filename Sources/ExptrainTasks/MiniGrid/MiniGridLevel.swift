/// A MiniGrid world as an episode starts: the grid, where the agent stands and faces,
/// and what it carries.
///
/// Levels come from `MiniGridEnvironment.generateLevel(using:)`; tests build them by hand:
///
/// ```swift
/// var grid = MiniGridGrid.walledRoom(width: 5, height: 5)
/// grid[GridPosition(x: 3, y: 3)] = .goal
/// let level = MiniGridLevel(grid: grid, agentPosition: GridPosition(x: 1, y: 1), agentDirection: .right)
/// ```
public struct MiniGridLevel: Sendable, Hashable {
    public var grid: MiniGridGrid
    public var agentPosition: GridPosition
    public var agentDirection: MiniGridDirection
    public var carrying: MiniGridObject?

    public init(grid: MiniGridGrid, agentPosition: GridPosition, agentDirection: MiniGridDirection, carrying: MiniGridObject? = nil) {
        precondition(grid.contains(agentPosition), "the agent must stand inside the grid")
        precondition(grid[agentPosition]?.canOverlap ?? true, "the agent must start on a cell it can stand on")
        self.grid = grid
        self.agentPosition = agentPosition
        self.agentDirection = agentDirection
        self.carrying = carrying
    }
}

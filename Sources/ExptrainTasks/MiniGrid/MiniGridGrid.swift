/// A cell's coordinates: `x` is the column (growing right), `y` the row (growing down).
public struct GridPosition: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }

    /// The neighbouring cell in `direction`.
    public func moved(_ direction: MiniGridDirection) -> GridPosition {
        GridPosition(x: x + direction.step.dx, y: y + direction.step.dy)
    }

    public var description: String { "(\(x), \(y))" }
}

/// A rectangle of cells, each empty (`nil`) or holding one object (MiniGrid's `Grid`).
///
/// ```swift
/// var grid = MiniGridGrid.walledRoom(width: 5, height: 5)
/// grid[GridPosition(x: 3, y: 3)] = .goal
/// ```
public struct MiniGridGrid: Sendable, Hashable {
    public let width: Int
    public let height: Int
    private var cells: [MiniGridObject?]

    /// A grid of empty cells.
    public init(width: Int, height: Int) {
        precondition(width >= 3 && height >= 3, "a MiniGrid grid is at least 3×3")
        self.width = width
        self.height = height
        cells = [MiniGridObject?](repeating: nil, count: width * height)
    }

    /// An empty room surrounded by grey walls (MiniGrid's `wall_rect(0, 0, width, height)`).
    public static func walledRoom(width: Int, height: Int) -> MiniGridGrid {
        var grid = MiniGridGrid(width: width, height: height)
        for x in 0..<width {
            grid[GridPosition(x: x, y: 0)] = .greyWall
            grid[GridPosition(x: x, y: height - 1)] = .greyWall
        }
        for y in 0..<height {
            grid[GridPosition(x: 0, y: y)] = .greyWall
            grid[GridPosition(x: width - 1, y: y)] = .greyWall
        }
        return grid
    }

    /// Whether `position` lies inside the grid.
    public func contains(_ position: GridPosition) -> Bool {
        position.x >= 0 && position.x < width && position.y >= 0 && position.y < height
    }

    /// The object at `position`, or `nil` for an empty cell.
    ///
    /// - Precondition: `contains(position)`.
    public subscript(position: GridPosition) -> MiniGridObject? {
        get {
            precondition(contains(position), "\(position) is outside the \(width)×\(height) grid")
            return cells[position.y * width + position.x]
        }
        set {
            precondition(contains(position), "\(position) is outside the \(width)×\(height) grid")
            cells[position.y * width + position.x] = newValue
        }
    }

    /// The first position (row by row) holding an object that satisfies `predicate`.
    public func firstPosition(where predicate: (MiniGridObject) -> Bool) -> GridPosition? {
        // A plain loop: wrapping `predicate` for `firstIndex(where:)` allocates per cell in debug builds.
        for index in cells.indices {
            if let object = cells[index], predicate(object) {
                return GridPosition(x: index % width, y: index / width)
            }
        }
        return nil
    }
}

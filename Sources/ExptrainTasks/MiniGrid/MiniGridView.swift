/// MiniGrid's egocentric partial view (`gen_obs_grid` followed by `encode`), written
/// into a caller's buffer without allocating.
///
/// The view is a 7×7 square in front of the agent, turned so the agent faces up and
/// stands at the bottom-middle cell (3, 6). View cell (vx, vy) shows world cell
///
///     agent + forward·(6 − vy) + right·(vx − 3),   right = (−forward.dy, forward.dx)
///
/// which is what MiniGrid's slice-then-`rotate_left` (agent_dir + 1 times) produces.
/// Cells outside the world show a grey wall. Unless the level sees through walls,
/// MiniGrid's `process_vis` hides cells behind walls and closed doors: sweeping rows
/// from the agent's row upwards, light spreads sideways and diagonally forwards from
/// every visible cell that `seesBehind`. The agent's own cell shows what it carries,
/// or empty.
///
/// Each cell encodes as MiniGrid's `(OBJECT_TO_IDX, COLOR_TO_IDX, STATE_TO_IDX)`:
/// an empty visible cell is (1, 0, 0), a hidden cell (0, 0, 0). The buffer is
/// MiniGrid's `image` array of shape [7, 7, 3] flattened in numpy (C) order, where
/// the first index is the view *column* x and the second the view *row* y:
///
///     buffer[(vx · 7 + vy) · 3 + channel] == image[vx][vy][channel]
struct MiniGridView {
    /// Cells on each side of the view (MiniGrid's `agent_view_size`).
    static let size = 7
    /// Floats in one encoded view.
    static let encodedCount = size * size * 3
    /// Where the agent stands in its own view.
    static let agentCell = (x: size / 2, y: size - 1)

    // Scratch space reused by every `encode`, indexed [vx * size + vy] like the image.
    private var cells = [MiniGridObject?](repeating: nil, count: size * size)
    private var visible = [Bool](repeating: false, count: size * size)

    /// Writes the agent's view of `grid` into `buffer` (`encodedCount` floats).
    mutating func encode(
        grid: MiniGridGrid, agentPosition: GridPosition, agentDirection: MiniGridDirection,
        carrying: MiniGridObject?, seesThroughWalls: Bool, into buffer: inout [Float]
    ) {
        precondition(buffer.count == Self.encodedCount, "a MiniGrid view is \(Self.encodedCount) floats")
        let size = Self.size
        let forward = agentDirection.step
        let right = (dx: -forward.dy, dy: forward.dx)
        for vx in 0..<size {
            for vy in 0..<size {
                let ahead = size - 1 - vy, aside = vx - Self.agentCell.x
                let world = GridPosition(
                    x: agentPosition.x + forward.dx * ahead + right.dx * aside,
                    y: agentPosition.y + forward.dy * ahead + right.dy * aside
                )
                cells[vx * size + vy] = grid.contains(world) ? grid[world] : .greyWall
            }
        }

        if seesThroughWalls {
            for index in visible.indices { visible[index] = true }
        } else {
            markVisibleCells()
        }
        cells[Self.agentCell.x * size + Self.agentCell.y] = carrying

        for index in 0..<(size * size) {
            let encoding = visible[index]
                ? cells[index]?.encoding ?? MiniGridObject.emptyCellEncoding
                : MiniGridObject.unseenCellEncoding
            buffer[index * 3] = Float(encoding.type)
            buffer[index * 3 + 1] = Float(encoding.color)
            buffer[index * 3 + 2] = Float(encoding.state)
        }
    }

    /// MiniGrid's `process_vis`, on the view's cells.
    private mutating func markVisibleCells() {
        let size = Self.size
        func index(_ x: Int, _ y: Int) -> Int { x * size + y }
        func passesLight(_ x: Int, _ y: Int) -> Bool { cells[index(x, y)]?.seesBehind ?? true }

        for i in visible.indices { visible[i] = false }
        visible[index(Self.agentCell.x, Self.agentCell.y)] = true
        for y in stride(from: size - 1, through: 0, by: -1) {
            for x in 0..<(size - 1) where visible[index(x, y)] && passesLight(x, y) {
                visible[index(x + 1, y)] = true
                if y > 0 {
                    visible[index(x + 1, y - 1)] = true
                    visible[index(x, y - 1)] = true
                }
            }
            for x in stride(from: size - 1, through: 1, by: -1) where visible[index(x, y)] && passesLight(x, y) {
                visible[index(x - 1, y)] = true
                if y > 0 {
                    visible[index(x - 1, y - 1)] = true
                    visible[index(x, y - 1)] = true
                }
            }
        }
    }
}

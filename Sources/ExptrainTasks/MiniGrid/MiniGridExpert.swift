/// A planner that knows the whole world and walks to the goal, fetching the key and
/// opening doors on the way when it must.
///
/// Routes are found by breadth-first search over (cell, direction) states, so a turn
/// costs a step just as a move does. Each leg (to the key, to the door, to the goal)
/// is a shortest route; the legs are planned one after another, so where the key is
/// picked up is not chosen to shorten the walk to the door. Each call plans from the
/// current state:
///
/// 1. If the goal can be reached, the first action of a shortest route to face it
///    (then `forward` onto it).
/// 2. Otherwise, for a closed door: if it is unlocked, or locked and the agent
///    carries a key of its colour, route to face it and `toggle`; if it is locked
///    and the key lies in the world, route to face the key and `pickup`.
///
/// The search buffers are allocated once, with the task, and reused by every call,
/// so planning allocates nothing.
struct MiniGridExpert {
    private let width: Int
    private let height: Int
    private let directionCount = MiniGridDirection.allCases.count
    /// `visitStamp[state] == stamp` marks states reached in the current search.
    private var visitStamp: [Int]
    private var stamp = 0
    /// The first action on a shortest route to each reached state.
    private var firstAction: [MiniGridAction]
    private var queue: [Int]
    /// The raw values of the actions that change the agent's pose (left, right, forward),
    /// as a range because iterating an array allocates in unoptimised builds.
    private static let movementActions = MiniGridAction.left.rawValue...MiniGridAction.forward.rawValue

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        let stateCount = width * height * directionCount
        visitStamp = [Int](repeating: 0, count: stateCount)
        firstAction = [MiniGridAction](repeating: .done, count: stateCount)
        queue = [Int](repeating: 0, count: stateCount)
    }

    /// The next action towards the goal, or `nil` if none leads there.
    mutating func nextAction(
        grid: MiniGridGrid, agentPosition: GridPosition, agentDirection: MiniGridDirection, carrying: MiniGridObject?
    ) -> MiniGridAction? {
        precondition(grid.width == width && grid.height == height, "the expert was made for a \(width)×\(height) world")
        func route(to target: GridPosition, finishingWith action: MiniGridAction) -> MiniGridAction? {
            nextAction(toFace: target, finishingWith: action, grid: grid, from: agentPosition, facing: agentDirection)
        }

        if let goal = grid.firstPosition(where: { $0 == .goal }), let action = route(to: goal, finishingWith: .forward) {
            return action
        }
        for y in 0..<height {
            for x in 0..<width {
                let position = GridPosition(x: x, y: y)
                guard case .door(let color, let state) = grid[position], state != .open else { continue }
                if state == .closed || carrying == .key(color) {
                    if let action = route(to: position, finishingWith: .toggle) { return action }
                } else if let key = grid.firstPosition(where: { $0 == .key(color) }),
                          let action = route(to: key, finishingWith: .pickup) {
                    return action
                }
            }
        }
        // A key put down in a corridor can block every route: with free hands, pick it up.
        if carrying == nil, let blocking = grid.firstPosition(where: \.canPickUp),
           let action = route(to: blocking, finishingWith: .pickup) {
            return action
        }
        return nil
    }

    private func stateIndex(_ position: GridPosition, _ direction: MiniGridDirection) -> Int {
        (position.y * width + position.x) * directionCount + direction.rawValue
    }

    /// Breadth-first search from (start, direction) to any state whose front cell is
    /// `target`, moving only through cells the agent can stand on (the goal ends the
    /// episode, so it is never passed through). Returns `action` if already facing
    /// `target`, the first turn or move of a shortest route otherwise, `nil` if unreachable.
    private mutating func nextAction(
        toFace target: GridPosition, finishingWith action: MiniGridAction,
        grid: MiniGridGrid, from start: GridPosition, facing startDirection: MiniGridDirection
    ) -> MiniGridAction? {
        if start.moved(startDirection) == target { return action }

        stamp += 1
        var head = 0, tail = 0
        let startIndex = stateIndex(start, startDirection)
        visitStamp[startIndex] = stamp
        queue[tail] = startIndex
        tail += 1
        while head < tail {
            let index = queue[head]
            head += 1
            let cell = index / directionCount
            let position = GridPosition(x: cell % width, y: cell / width)
            let direction = MiniGridDirection(rawValue: index % directionCount)!
            let front = position.moved(direction)
            let canMove = grid.contains(front) && (grid[front].map { $0.canOverlap && $0 != .goal } ?? true)
            for rawMove in Self.movementActions {
                let move = MiniGridAction(rawValue: rawMove)!
                let nextPosition: GridPosition, nextDirection: MiniGridDirection
                switch move {
                case .left: (nextPosition, nextDirection) = (position, direction.turnedLeft)
                case .right: (nextPosition, nextDirection) = (position, direction.turnedRight)
                default:
                    guard canMove else { continue }
                    (nextPosition, nextDirection) = (front, direction)
                }
                let next = stateIndex(nextPosition, nextDirection)
                guard visitStamp[next] != stamp else { continue }
                visitStamp[next] = stamp
                let first = index == startIndex ? move : firstAction[index]
                if nextPosition.moved(nextDirection) == target { return first }
                firstAction[next] = first
                queue[tail] = next
                tail += 1
            }
        }
        return nil
    }
}

/// One cell of MiniGrid's observation: object type, colour and state indices.
public typealias MiniGridCellEncoding = (type: Int, color: Int, state: Int)

/// MiniGrid's colours, with `COLOR_TO_IDX` as raw values.
public enum MiniGridColor: Int, Sendable, Hashable, CaseIterable {
    case red = 0, green, blue, purple, yellow, grey
}

/// A door's state, with `STATE_TO_IDX` as raw values.
public enum MiniGridDoorState: Int, Sendable, CaseIterable {
    case open = 0, closed, locked
}

/// The objects that can fill a cell of a MiniGrid world (an empty cell is `nil`).
///
/// Only the objects the built-in levels use are modelled; each behaves as the
/// MiniGrid class of the same name (`can_overlap`, `can_pickup`, `see_behind`,
/// `encode`).
///
/// ```swift
/// let door = MiniGridObject.door(.yellow, .locked)
/// door.encoding   // (4, 4, 2): OBJECT_TO_IDX["door"], COLOR_TO_IDX["yellow"], STATE_TO_IDX["locked"]
/// ```
public enum MiniGridObject: Sendable, Hashable {
    case wall(MiniGridColor)
    case door(MiniGridColor, MiniGridDoorState)
    case key(MiniGridColor)
    /// The goal square; MiniGrid draws it green.
    case goal

    /// MiniGrid's default wall.
    public static let greyWall = MiniGridObject.wall(.grey)

    /// How MiniGrid encodes an empty cell the agent sees (`OBJECT_TO_IDX["empty"]`).
    public static let emptyCellEncoding: MiniGridCellEncoding = (1, 0, 0)
    /// How MiniGrid encodes a cell the agent cannot see (`OBJECT_TO_IDX["unseen"]`).
    public static let unseenCellEncoding: MiniGridCellEncoding = (0, 0, 0)

    /// MiniGrid's `(OBJECT_TO_IDX, COLOR_TO_IDX, state)` triple.
    public var encoding: MiniGridCellEncoding {
        switch self {
        case .wall(let color): (2, color.rawValue, 0)
        case .door(let color, let state): (4, color.rawValue, state.rawValue)
        case .key(let color): (5, color.rawValue, 0)
        case .goal: (8, MiniGridColor.green.rawValue, 0)
        }
    }

    /// The object with MiniGrid's `encoding` triple, or `nil` for a triple no object has.
    public init?(encoding: MiniGridCellEncoding) {
        guard let color = MiniGridColor(rawValue: encoding.color) else { return nil }
        switch encoding.type {
        case 2 where encoding.state == 0: self = .wall(color)
        case 4: guard let state = MiniGridDoorState(rawValue: encoding.state) else { return nil }
            self = .door(color, state)
        case 5 where encoding.state == 0: self = .key(color)
        case 8 where encoding.state == 0 && color == .green: self = .goal
        default: return nil
        }
    }

    /// The agent may stand on it (`can_overlap`): the goal and open doors.
    public var canOverlap: Bool {
        switch self {
        case .goal, .door(_, .open): true
        case .wall, .door, .key: false
        }
    }

    /// The agent may pick it up (`can_pickup`).
    public var canPickUp: Bool {
        if case .key = self { return true }
        return false
    }

    /// Light passes it (`see_behind`): everything but walls and doors that are not open.
    public var seesBehind: Bool {
        switch self {
        case .wall: false
        case .door(_, let state): state == .open
        case .key, .goal: true
        }
    }
}

/// The way the agent faces, numbered as MiniGrid's `agent_dir` (`DIR_TO_VEC`).
public enum MiniGridDirection: Int, Sendable, CaseIterable {
    case right = 0, down, left, up

    /// One cell forward: x grows to the right, y grows downwards.
    public var step: (dx: Int, dy: Int) {
        switch self {
        case .right: (1, 0)
        case .down: (0, 1)
        case .left: (-1, 0)
        case .up: (0, -1)
        }
    }

    /// The direction after turning 90° counter-clockwise (action `left`).
    public var turnedLeft: MiniGridDirection { MiniGridDirection(rawValue: (rawValue + 3) % 4)! }
    /// The direction after turning 90° clockwise (action `right`).
    public var turnedRight: MiniGridDirection { MiniGridDirection(rawValue: (rawValue + 1) % 4)! }
}

/// MiniGrid's seven actions, numbered as its `Actions` enum.
public enum MiniGridAction: Int, Sendable, CaseIterable {
    case left = 0, right, forward, pickup, drop, toggle, done
}

import ExptrainEnvironment

/// The rules of MinAtar's Breakout (Young & Tian 2019, the `minatar` package's
/// `environments/breakout.py`), on a 10×10 grid, without the package's sticky actions
/// (`StickyActions`) or random start (`reset(ballStartsRight:)` takes the coin).
///
/// Rows `y` count down from the top (0) to the paddle's row (9), columns `x` from the
/// left (0). Three rows of bricks fill rows 1–3. The ball starts at row 3, in column 0
/// moving down-right or in column 9 moving down-left, and moves one cell along a diagonal
/// each step. Directions are numbered as MinAtar does:
///
///     0 = up-left (−1, −1)   1 = up-right (+1, −1)   2 = down-right (+1, +1)   3 = down-left (−1, +1)
///
/// One step moves the paddle (action 1 left, 3 right, others stay; clamped to 0…9),
/// then the ball to (x′, y′) = (x, y) + direction and resolves, in this order:
/// - x′ outside 0…9: x′ is clamped and the direction reflected horizontally;
/// - y′ < 0: y′ = 0, reflected vertically;
/// - else a brick at (x′, y′), unless the previous step also struck one: the brick is
///   removed, reward +1, the ball stays in its row (y′ = y), reflected vertically;
/// - else y′ = 9 (the paddle's row): when no bricks are left, rows 1–3 are refilled;
///   the ball bounces straight back up (y′ = y) if it was above the paddle (x = paddle),
///   or back the way it came (y′ = y, direction 0↔2, 1↔3) if it lands on the paddle
///   (x′ = paddle); otherwise the episode terminates.
///
/// The observation (`writeState(into:)`) is MinAtar's `state()`: 10×10×4 in HWC order,
/// `index = (y·10 + x)·4 + channel`, channels 0 paddle, 1 ball, 2 trail (the ball's
/// previous cell), 3 brick, each 0 or 1.
public struct MinAtarBreakoutGame: Sendable, Equatable {
    /// Rows and columns of the grid.
    public static let size = 10
    /// Channels of the observation: paddle, ball, trail, brick.
    public static let channels = 4
    /// Bytes of one observation (10·10·4).
    public static let stateSize = size * size * channels

    /// Channel indices of `writeState(into:)`, as MinAtar's `channels`.
    public enum Channel: Int, Sendable, CaseIterable {
        case paddle = 0, ball, trail, brick
    }

    /// MinAtar's full action set (`action_map`: n, l, u, r, d, f); Breakout reacts to 1 and 3 only.
    public static let fullActionCount = 6
    /// MinAtar's `minimal_action_set()` for Breakout, the actions of `MinAtar/Breakout-v1`: no-op, left, right.
    public static let minimalActionSet = [0, 1, 3]

    /// The ball's column and row.
    public private(set) var ballX: Int
    public private(set) var ballY: Int
    /// The ball's direction, 0…3 (see the type's documentation).
    public private(set) var ballDirection: Int
    /// The ball's cell before the last step (the trail channel).
    public private(set) var lastX: Int
    public private(set) var lastY: Int
    /// The paddle's column (its row is 9).
    public private(set) var paddle: Int
    /// Whether the previous step struck a brick (a second strike in a row breaks nothing).
    public private(set) var strike: Bool
    /// The ball fell past the paddle.
    public private(set) var isTerminal: Bool
    /// Bricks, row-major: `bricks[y * 10 + x]`.
    public private(set) var bricks: [Bool]

    /// A game in its start state (`reset(ballStartsRight:)`).
    public init(ballStartsRight: Bool) {
        ballX = 0; ballY = 3; ballDirection = 2; lastX = 0; lastY = 3
        paddle = 4; strike = false; isTerminal = false
        bricks = [Bool](repeating: false, count: Self.size * Self.size)
        reset(ballStartsRight: ballStartsRight)
    }

    /// MinAtar's `reset()` with its coin `randint(2)` given: 1 starts the ball in column 9 moving down-left.
    public mutating func reset(ballStartsRight: Bool) {
        ballY = 3
        (ballX, ballDirection) = ballStartsRight ? (9, 3) : (0, 2)
        paddle = 4
        for index in bricks.indices { bricks[index] = (1...3).contains(index / Self.size) }
        strike = false
        lastX = ballX
        lastY = ballY
        isTerminal = false
    }

    /// Applies one action of the full set (0…5) and returns the reward, 0 or 1; a terminal game stays as it is.
    public mutating func act(_ action: Int) -> Int {
        precondition((0..<Self.fullActionCount).contains(action), "MinAtar actions are 0...5, got \(action)")
        if isTerminal { return 0 }
        if action == 1 { paddle = max(0, paddle - 1) } else if action == 3 { paddle = min(9, paddle + 1) }

        lastX = ballX
        lastY = ballY
        var newX = ballX + (ballDirection == 1 || ballDirection == 2 ? 1 : -1)
        var newY = ballY + (ballDirection >= 2 ? 1 : -1)
        var reward = 0
        var struckBrick = false
        if newX < 0 || newX > 9 {
            newX = min(9, max(0, newX))
            ballDirection ^= 1  // MinAtar's [1, 0, 3, 2]
        }
        if newY < 0 {
            newY = 0
            ballDirection = 3 - ballDirection  // [3, 2, 1, 0]
        } else if bricks[newY * Self.size + newX] {
            struckBrick = true
            if !strike {
                reward += 1
                strike = true
                bricks[newY * Self.size + newX] = false
                newY = lastY
                ballDirection = 3 - ballDirection  // [3, 2, 1, 0]
            }
        } else if newY == 9 {
            if !bricks.contains(true) {
                for index in Self.size..<(4 * Self.size) { bricks[index] = true }
            }
            if ballX == paddle {
                ballDirection = 3 - ballDirection  // [3, 2, 1, 0]
                newY = lastY
            } else if newX == paddle {
                ballDirection ^= 2  // [2, 3, 0, 1]
                newY = lastY
            } else {
                isTerminal = true
            }
        }
        if !struckBrick { strike = false }
        ballX = newX
        ballY = newY
        return reward
    }

    /// The game as words (see `ProgressSaving`): ball column, row and direction, trail
    /// column and row, paddle, strike and terminal flags, then the 100 bricks as bits
    /// (cell `y·10 + x` is bit `cell % 64` of word `cell / 64`).
    public var savedProgress: [UInt64] {
        var words: [UInt64] = [ballX, ballY, ballDirection, lastX, lastY, paddle].map { UInt64($0) }
        words += [strike ? 1 : 0, isTerminal ? 1 : 0, 0, 0]
        for cell in bricks.indices where bricks[cell] { words[8 + cell / 64] |= 1 << UInt64(cell % 64) }
        return words
    }

    /// Puts the game in the state of `savedProgress` words read from `reader`; throws a
    /// `TaskError` for a cell off the grid, a direction above 3 or bricks beyond the 100 cells.
    public mutating func restore(from reader: inout ProgressReader) throws {
        let cells = Self.size * Self.size
        let ball = (x: try reader.count(below: Self.size), y: try reader.count(below: Self.size), direction: try reader.count(below: 4))
        let last = (x: try reader.count(below: Self.size), y: try reader.count(below: Self.size))
        let paddle = try reader.count(below: Self.size)
        let (strike, terminal) = (try reader.flag(), try reader.flag())
        let low = try reader.word()
        let high = try reader.count(below: 1 << (cells - 64))
        (ballX, ballY, ballDirection, lastX, lastY) = (ball.x, ball.y, ball.direction, last.x, last.y)
        (self.paddle, self.strike, isTerminal) = (paddle, strike, terminal)
        for cell in bricks.indices {
            bricks[cell] = (cell < 64 ? low >> UInt64(cell) : UInt64(high) >> UInt64(cell - 64)) & 1 == 1
        }
    }

    /// Writes MinAtar's `state()` into `state` (`stateSize` bytes, HWC, 0 or 1).
    public func writeState(into state: inout [UInt8]) {
        precondition(state.count == Self.stateSize, "a MinAtar Breakout state is \(Self.stateSize) bytes, got \(state.count)")
        for cell in 0..<(Self.size * Self.size) {
            let base = cell * Self.channels
            state[base + Channel.paddle.rawValue] = 0
            state[base + Channel.ball.rawValue] = 0
            state[base + Channel.trail.rawValue] = 0
            state[base + Channel.brick.rawValue] = bricks[cell] ? 1 : 0
        }
        state[(9 * Self.size + paddle) * Self.channels + Channel.paddle.rawValue] = 1
        state[(ballY * Self.size + ballX) * Self.channels + Channel.ball.rawValue] = 1
        state[(lastY * Self.size + lastX) * Self.channels + Channel.trail.rawValue] = 1
    }
}

/// How the values of two operands line up in an element-wise operation.
///
/// Shapes broadcast as in NumPy (axes aligned from the right; an axis of 1 or a missing
/// axis repeats). The common cases get loops the compiler vectorises: equal shapes, and
/// one operand repeating whole over the other (a scalar, or a bias row added to each row
/// of a batch), and one value per row spreading along it (a column `[n, 1]` against
/// `[n, m]`). Other layouts go through index maps.
struct Broadcast {
    enum Layout {
        case sameShape
        /// The second operand's `period` values repeat over the first.
        case secondRepeats(period: Int)
        /// The first operand's `period` values repeat over the second.
        case firstRepeats(period: Int)
        /// Each of the second operand's values spreads over `width` consecutive results
        /// (a column `[n, 1]` against `[n, m]`: one mask value per row).
        case secondSpreads(width: Int)
        /// Each of the first operand's values spreads over `width` consecutive results.
        case firstSpreads(width: Int)
        /// Index of each result value in the first and second operand.
        case indexed(first: [Int], second: [Int])
    }

    let shape: [Int]
    let count: Int
    let layout: Layout

    init(_ first: [Int], _ second: [Int]) {
        if first == second {
            shape = first
            count = first.reduce(1, *)
            layout = .sameShape
            return
        }
        let rank = max(first.count, second.count)
        let paddedFirst = Array(repeating: 1, count: rank - first.count) + first
        let paddedSecond = Array(repeating: 1, count: rank - second.count) + second
        var shape = [Int]()
        for axis in 0..<rank {
            let (a, b) = (paddedFirst[axis], paddedSecond[axis])
            precondition(a == b || a == 1 || b == 1, "shapes \(first) and \(second) do not broadcast")
            shape.append(a == 1 ? b : a)
        }
        self.shape = shape
        count = shape.reduce(1, *)
        // The fast layouts need one operand to have the result's shape.
        let firstIsFull = paddedFirst == shape
        let secondIsFull = paddedSecond == shape
        if firstIsFull && Broadcast.repeatsWhole(paddedSecond, over: shape) {
            layout = .secondRepeats(period: second.reduce(1, *))
        } else if secondIsFull && Broadcast.repeatsWhole(paddedFirst, over: shape) {
            layout = .firstRepeats(period: first.reduce(1, *))
        } else if firstIsFull, let width = Broadcast.spreadWidth(paddedSecond, over: shape) {
            layout = .secondSpreads(width: width)
        } else if secondIsFull, let width = Broadcast.spreadWidth(paddedFirst, over: shape) {
            layout = .firstSpreads(width: width)
        } else {
            layout = .indexed(
                first: Broadcast.indexMap(paddedFirst, over: shape),
                second: Broadcast.indexMap(paddedSecond, over: shape)
            )
        }
    }

    /// `operand` is ones followed by the result's trailing axes, so its values repeat whole.
    private static func repeatsWhole(_ operand: [Int], over shape: [Int]) -> Bool {
        guard let firstKept = operand.firstIndex(where: { $0 != 1 }) else { return true }
        return Array(operand[firstKept...]) == Array(shape[firstKept...])
    }

    /// If `operand` is the result's leading axes followed by ones, how many results each
    /// of its values spreads over.
    private static func spreadWidth(_ operand: [Int], over shape: [Int]) -> Int? {
        let kept = (operand.lastIndex(where: { $0 != 1 }) ?? -1) + 1
        guard Array(operand[..<kept]) == Array(shape[..<kept]) else { return nil }
        return shape[kept...].reduce(1, *)
    }

    /// For each result position, the position of the value `operand` contributes.
    private static func indexMap(_ operand: [Int], over shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: shape.count)
        var run = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = operand[axis] == 1 ? 0 : run
            run *= operand[axis]
        }
        let count = shape.reduce(1, *)
        var map = [Int](repeating: 0, count: count)
        var position = [Int](repeating: 0, count: shape.count)
        var index = 0
        for flat in 0..<count {
            map[flat] = index
            var axis = shape.count - 1
            while axis >= 0 {
                position[axis] += 1
                index += strides[axis]
                if position[axis] < shape[axis] { break }
                index -= strides[axis] * shape[axis]
                position[axis] = 0
                axis -= 1
            }
        }
        return map
    }
}

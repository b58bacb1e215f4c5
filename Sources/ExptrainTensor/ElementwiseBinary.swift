/// A function of two floats with its partial derivatives, applied element-wise.
protocol ElementwiseBinaryFunction {
    static func value(_ a: Float, _ b: Float) -> Float
    /// (∂value/∂a, ∂value/∂b)
    static func partials(_ a: Float, _ b: Float) -> (Float, Float)
}

enum Addition: ElementwiseBinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func partials(_ a: Float, _ b: Float) -> (Float, Float) { (1, 1) }
}

enum Subtraction: ElementwiseBinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func partials(_ a: Float, _ b: Float) -> (Float, Float) { (1, -1) }
}

enum Multiplication: ElementwiseBinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func partials(_ a: Float, _ b: Float) -> (Float, Float) { (b, a) }
}

enum Division: ElementwiseBinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) static func partials(_ a: Float, _ b: Float) -> (Float, Float) { (1 / b, -a / (b * b)) }
}

/// Ties send the gradient to the first operand, so exactly one side receives it.
enum Minimum: ElementwiseBinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a <= b ? a : b }
    @inline(__always) static func partials(_ a: Float, _ b: Float) -> (Float, Float) { a <= b ? (1, 0) : (0, 1) }
}

/// Ties send the gradient to the first operand, so exactly one side receives it.
enum Maximum: ElementwiseBinaryFunction {
    @inline(__always) static func value(_ a: Float, _ b: Float) -> Float { a >= b ? a : b }
    @inline(__always) static func partials(_ a: Float, _ b: Float) -> (Float, Float) { a >= b ? (1, 0) : (0, 1) }
}

extension Tensor {
    /// `F` applied to each pair of broadcast values of `a` and `b`.
    static func elementwise<F: ElementwiseBinaryFunction>(_: F.Type, _ a: Tensor, _ b: Tensor) -> Tensor {
        let broadcast = Broadcast(a.shape, b.shape)
        let result = Tensor(uninitializedShape: broadcast.shape)
        let (first, second, output, count) = (a.pointer, b.pointer, result.pointer, broadcast.count)
        switch broadcast.layout {
        case .sameShape:
            for i in 0..<count { output[i] = F.value(first[i], second[i]) }
        case .secondRepeats(let period):
            for start in stride(from: 0, to: count, by: max(period, 1)) {
                for j in 0..<period { output[start + j] = F.value(first[start + j], second[j]) }
            }
        case .firstRepeats(let period):
            for start in stride(from: 0, to: count, by: max(period, 1)) {
                for j in 0..<period { output[start + j] = F.value(first[j], second[start + j]) }
            }
        case .secondSpreads(let width):
            for row in 0..<(width == 0 ? 0 : count / width) {
                for j in 0..<width { output[row * width + j] = F.value(first[row * width + j], second[row]) }
            }
        case .firstSpreads(let width):
            for row in 0..<(width == 0 ? 0 : count / width) {
                for j in 0..<width { output[row * width + j] = F.value(first[row], second[row * width + j]) }
            }
        case .indexed(let firstIndex, let secondIndex):
            for i in 0..<count { output[i] = F.value(first[firstIndex[i]], second[secondIndex[i]]) }
        }
        if shouldRecord(a, b) {
            result.recordGradient(inputs: [a, b]) { _, gradient in
                let firstGradient = a.gradientAccumulator()
                let secondGradient = b.gradientAccumulator()
                let (first, second) = (a.pointer, b.pointer)
                @inline(__always) func pull(_ i: Int, _ j: Int, _ k: Int) {
                    let (da, db) = F.partials(first[j], second[k])
                    firstGradient?[j] += gradient[i] * da
                    secondGradient?[k] += gradient[i] * db
                }
                switch broadcast.layout {
                case .sameShape:
                    for i in 0..<count { pull(i, i, i) }
                case .secondRepeats(let period):
                    for start in stride(from: 0, to: count, by: max(period, 1)) {
                        for j in 0..<period { pull(start + j, start + j, j) }
                    }
                case .firstRepeats(let period):
                    for start in stride(from: 0, to: count, by: max(period, 1)) {
                        for j in 0..<period { pull(start + j, j, start + j) }
                    }
                case .secondSpreads(let width):
                    for row in 0..<(width == 0 ? 0 : count / width) {
                        for j in 0..<width { pull(row * width + j, row * width + j, row) }
                    }
                case .firstSpreads(let width):
                    for row in 0..<(width == 0 ? 0 : count / width) {
                        for j in 0..<width { pull(row * width + j, row, row * width + j) }
                    }
                case .indexed(let firstIndex, let secondIndex):
                    for i in 0..<count { pull(i, firstIndex[i], secondIndex[i]) }
                }
            }
        }
        return result
    }
}

/// Element-wise sum, broadcasting rows and scalars (NumPy rules).
public func + (a: Tensor, b: Tensor) -> Tensor { Tensor.elementwise(Addition.self, a, b) }
/// Element-wise difference, broadcasting rows and scalars (NumPy rules).
public func - (a: Tensor, b: Tensor) -> Tensor { Tensor.elementwise(Subtraction.self, a, b) }
/// Element-wise product, broadcasting rows and scalars (NumPy rules).
public func * (a: Tensor, b: Tensor) -> Tensor { Tensor.elementwise(Multiplication.self, a, b) }
/// Element-wise quotient, broadcasting rows and scalars (NumPy rules).
public func / (a: Tensor, b: Tensor) -> Tensor { Tensor.elementwise(Division.self, a, b) }

/// A scalar on either side of `+`, `-`, `*`, `/` broadcasts over every value.
public func + (a: Tensor, b: Float) -> Tensor { a + Tensor(b) }
public func + (a: Float, b: Tensor) -> Tensor { Tensor(a) + b }
public func - (a: Tensor, b: Float) -> Tensor { a - Tensor(b) }
public func - (a: Float, b: Tensor) -> Tensor { Tensor(a) - b }
public func * (a: Tensor, b: Float) -> Tensor { a * Tensor(b) }
public func * (a: Float, b: Tensor) -> Tensor { Tensor(a) * b }
public func / (a: Tensor, b: Float) -> Tensor { a / Tensor(b) }
public func / (a: Float, b: Tensor) -> Tensor { Tensor(a) / b }

/// Element-wise minimum, broadcasting (PPO's `min(ratio · A, clip(ratio) · A)`).
/// Where the two are equal the gradient goes to `a`.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.elementwise(Minimum.self, a, b) }
/// Element-wise maximum, broadcasting (PPO's clipped value loss).
/// Where the two are equal the gradient goes to `a`.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.elementwise(Maximum.self, a, b) }

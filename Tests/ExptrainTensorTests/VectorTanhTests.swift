import ExptrainRandom
import ExptrainTensor
import XCTest

/// tanh eight lanes at a time gives the scalar function's bits, so the tape, the rollout and
/// the fused training step agree whichever path a value takes.
final class VectorTanhTests: XCTestCase {
    func testEightLanesGiveTheScalarFunctionsBits() {
        var values: [Float] = [0, -0, 0.0003999, -0.0003999, 0.0004, -0.0004, 7.90531110763549805, -7.90531110763549805,
                               7.9053115, -7.9053115, 20, -20, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, 1, -1]
        var generator = RandomGenerator(seed: 3)
        for _ in 0..<4_000 { values.append(4 * generator.nextNormal()) }
        for _ in 0..<1_000 { values.append(generator.nextUniform(-0.001, 0.001)) }
        while values.count % 8 != 0 { values.append(generator.nextNormal()) }
        for start in stride(from: 0, to: values.count, by: 8) {
            let lanes = SIMD8<Float>(values[start..<(start + 8)])
            let vector = ScalarMath.tanh(lanes)
            for lane in 0..<8 {
                let scalar = ScalarMath.tanh(lanes[lane])
                XCTAssertTrue(vector[lane].bitPattern == scalar.bitPattern || (vector[lane].isNaN && scalar.isNaN),
                              "tanh(\(lanes[lane])): \(vector[lane]) in a vector, \(scalar) alone")
            }
        }
    }

    func testAPullBackWithoutAccumulatingGivesTheBitsOfOneIntoZeros() {
        var generator = RandomGenerator(seed: 5)
        let count = 77
        for kernel in [ElementwiseKernel.tanh, .relu, .sigmoid] {
            var x = (0..<count).map { _ in 3 * generator.nextNormal() }
            x[5] = 20
            x[6] = 0
            var y = [Float](repeating: 0, count: count)
            kernel.apply(x, into: &y, count: count)
            var g = (0..<count).map { _ in generator.nextNormal() }
            (g[1], g[5], g[6]) = (-0.0, -1, -1)
            var zeroed = [Float](repeating: 0, count: count)
            kernel.pullBack(g, input: x, output: y, into: &zeroed, count: count)
            var written = [Float](repeating: .nan, count: count)
            kernel.pullBack(g, input: x, output: y, into: &written, count: count, accumulating: false)
            XCTAssertEqual(written.map(\.bitPattern), zeroed.map(\.bitPattern), "\(kernel)")
        }
    }

    func testTensorTanhAndItsGradientMatchTheScalarRuleOnLongAndShortRows() {
        var generator = RandomGenerator(seed: 4)
        for count in [3, 8, 13, 64] {
            let x = Tensor(shape: [count], values: (0..<count).map { _ in 3 * generator.nextNormal() }, requiresGradient: true)
            let y = x.tanh()
            XCTAssertEqual(y.scalars.map(\.bitPattern), x.scalars.map { ScalarMath.tanh($0).bitPattern })
            y.sum().backward()
            XCTAssertEqual(x.gradient!.map(\.bitPattern), y.scalars.map { (0 + 1 * (1 - $0 * $0)).bitPattern })
        }
    }
}

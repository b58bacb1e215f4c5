import ExptrainTensor
import XCTest

/// Every differentiable operation: `backward()` against central finite differences.
final class OperationGradientTests: XCTestCase {
    func testArithmeticOnEqualShapes() {
        let a = randomLeaf([3, 4], seed: 1)
        let b = randomLeaf([3, 4], seed: 2, scale: 0.3, offset: 2)  // away from 0 for division
        assertGradientsMatchFiniteDifferences([a, b]) { $0[0] + $0[1] }
        assertGradientsMatchFiniteDifferences([a, b]) { $0[0] - $0[1] }
        assertGradientsMatchFiniteDifferences([a, b]) { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([a, b]) { $0[0] / $0[1] }
    }

    func testArithmeticBroadcastingRowsAndScalars() {
        let batch = randomLeaf([5, 3], seed: 3)
        let row = randomLeaf([3], seed: 4, scale: 0.3, offset: 2)
        let scalar = randomLeaf([], seed: 5, scale: 0.3, offset: 1.5)
        assertGradientsMatchFiniteDifferences([batch, row]) { $0[0] + $0[1] }
        assertGradientsMatchFiniteDifferences([batch, row]) { $0[1] - $0[0] }
        assertGradientsMatchFiniteDifferences([batch, row]) { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([batch, row]) { $0[0] / $0[1] }
        assertGradientsMatchFiniteDifferences([batch, scalar]) { $0[0] * $0[1] - $0[1] }
        assertGradientsMatchFiniteDifferences([batch]) { 2 / ($0[0] * $0[0] + 1) - 0.5 * $0[0] + 3 }
    }

    func testArithmeticBroadcastingColumns() {
        let batch = randomLeaf([4, 3], seed: 6)
        let column = randomLeaf([4, 1], seed: 7)
        assertGradientsMatchFiniteDifferences([batch, column]) { $0[0] * $0[1] }
        assertGradientsMatchFiniteDifferences([column, batch]) { $0[0] - $0[1] }
    }

    func testArithmeticBroadcastingBothWaysAndInnerAxes() {
        let column = randomLeaf([3, 1], seed: 24)
        let row = randomLeaf([1, 4], seed: 25, scale: 0.3, offset: 2)
        let middle = randomLeaf([2, 1, 4], seed: 26)
        let full = randomLeaf([2, 3, 4], seed: 27)
        assertGradientsMatchFiniteDifferences([column, row]) { $0[0] / $0[1] }
        assertGradientsMatchFiniteDifferences([middle, full]) { $0[0] * $0[1] }
        XCTAssertEqual((Tensor(shape: [2, 1], values: [1, 2]) + Tensor(shape: [3], values: [10, 20, 30])).scalars, [11, 21, 31, 12, 22, 32])
    }

    func testMinimumAndMaximum() {
        let a = randomLeaf([6], seed: 8)
        let b = Tensor(shape: [6], values: a.scalars.enumerated().map { $1 + ($0.isMultiple(of: 2) ? 0.5 : -0.5) }, requiresGradient: true)
        assertGradientsMatchFiniteDifferences([a, b]) { minimum($0[0], $0[1]) }
        assertGradientsMatchFiniteDifferences([a, b]) { maximum($0[0], $0[1]) }
    }

    func testReductions() {
        let x = randomLeaf([2, 3, 4], seed: 9)
        assertGradientsMatchFiniteDifferences([x]) { $0[0].sum() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].mean() }
        for axis in 0..<3 {
            assertGradientsMatchFiniteDifferences([x]) { $0[0].sum(axis: axis) }
            assertGradientsMatchFiniteDifferences([x]) { $0[0].mean(axis: axis) }
        }
    }

    func testElementwiseFunctions() {
        let x = randomLeafAwayFromZero([3, 5], seed: 10)
        let positive = randomLeaf([3, 5], seed: 11, scale: 0.2, offset: 1.5)
        assertGradientsMatchFiniteDifferences([x]) { $0[0].exp() }
        assertGradientsMatchFiniteDifferences([positive]) { $0[0].log() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].tanh() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].relu() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].sigmoid() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].squared() }
        assertGradientsMatchFiniteDifferences([positive]) { $0[0].squareRoot() }
        assertGradientsMatchFiniteDifferences([x]) { -$0[0] }
    }

    func testClampPassesGradientOnlyInside() {
        let x = Tensor(shape: [6], values: [-2, -0.5, 0.1, 0.4, 0.75, 3], requiresGradient: true)
        assertGradientsMatchFiniteDifferences([x]) { $0[0].clamped(to: -0.25, 0.5) * 3 }
        x.zeroGradient()
        x.clamped(to: -0.25, 0.5).sum().backward()
        XCTAssertEqual(x.gradient, [0, 0, 1, 1, 0, 0])
    }

    func testMatrixMultiplicationInEveryTransposition() {
        let a = randomLeaf([3, 4], seed: 12)
        let aTransposed = randomLeaf([4, 3], seed: 13)
        let b = randomLeaf([4, 2], seed: 14)
        let bTransposed = randomLeaf([2, 4], seed: 15)
        assertGradientsMatchFiniteDifferences([a, b]) { matmul($0[0], $0[1]) }
        assertGradientsMatchFiniteDifferences([aTransposed, b]) { matmul($0[0], $0[1], transposeA: true) }
        assertGradientsMatchFiniteDifferences([a, bTransposed]) { matmul($0[0], $0[1], transposeB: true) }
        assertGradientsMatchFiniteDifferences([aTransposed, bTransposed]) { matmul($0[0], $0[1], transposeA: true, transposeB: true) }
    }

    func testAffine() {
        let input = randomLeaf([5, 3], seed: 16)
        let weight = randomLeaf([2, 3], seed: 17)
        let bias = randomLeaf([2], seed: 18)
        assertGradientsMatchFiniteDifferences([input, weight, bias]) { affine($0[0], weight: $0[1], bias: $0[2]) }
        assertGradientsMatchFiniteDifferences([input, weight]) { affine($0[0], weight: $0[1], bias: nil) }
    }

    func testLogSoftmaxAndGather() {
        let logits = randomLeaf([4, 5], seed: 19, scale: 2)
        assertGradientsMatchFiniteDifferences([logits]) { $0[0].logSoftmax() }
        assertGradientsMatchFiniteDifferences([logits]) { $0[0].logSoftmax().gather(lastAxis: [0, 4, 2, 2]) }
    }

    func testShapeOperations() {
        let x = randomLeaf([4, 3], seed: 20)
        let y = randomLeaf([2, 3], seed: 21)
        assertGradientsMatchFiniteDifferences([x]) { $0[0].reshaped([2, -1]).tanh() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].slice(rows: 1..<3).exp() }
        assertGradientsMatchFiniteDifferences([x]) { $0[0].rows(at: [3, 0, 3, 1]) }
        assertGradientsMatchFiniteDifferences([x, y]) { Tensor.concatenate([$0[1], $0[0], $0[1]]) }
        let z = randomLeaf([4, 2], seed: 28)
        assertGradientsMatchFiniteDifferences([x, z]) { Tensor.concatenateColumns([$0[1], $0[0], $0[1]]).tanh() }
        XCTAssertEqual(Tensor.concatenateColumns([Tensor(shape: [2, 1], values: [1, 2]), Tensor(shape: [2, 2], values: [3, 4, 5, 6])]).scalars,
                       [1, 3, 4, 2, 5, 6])
    }

    func testCompositeWithSharedSubexpressions() {
        // x feeds two branches that meet again: its gradient is the sum of both paths.
        let x = randomLeaf([3, 2], seed: 22)
        let w = randomLeaf([2, 2], seed: 23)
        assertGradientsMatchFiniteDifferences([x, w]) { inputs in
            let hidden = matmul(inputs[0], inputs[1]).tanh()
            return (hidden * inputs[0] + hidden.sigmoid()).mean(axis: 1)
        }
    }
}

import CVectorKernels
import ExptrainRandom
import ExptrainTensor
import XCTest

/// Every width of the C kernels (AVX2's 8 lanes, AVX-512's 16, whichever this processor
/// runs) gives the bits of the portable Swift rule it replaces, on lengths that end in a
/// partial vector, so parameter digests do not depend on the machine's vector unit.
final class WideVectorKernelTests: XCTestCase {
    /// The widths this processor runs; x86-64 machines that run exptrain have AVX2 at least.
    private var widths: [Int32] {
        [8, 16].filter { $0 <= exptrain_widest_vector_lanes() }
    }

    func testThisProcessorRunsAWideKernelAndTheDefaultIsTheWidest() {
#if arch(x86_64)
        XCTAssertFalse(widths.isEmpty, "an x86-64 processor without AVX2")
#endif
        if ProcessInfo.processInfo.environment["EXPTRAIN_VECTOR_LANES"] == nil {
            XCTAssertEqual(VectorUnit.lanes, exptrain_widest_vector_lanes())
        }
    }

    private func sameBits(_ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for index in a.indices where !(a[index].bitPattern == b[index].bitPattern || (a[index].isNaN && b[index].isNaN)) {
            return XCTFail("\(message): element \(index) is \(a[index]) against \(b[index])", file: file, line: line)
        }
    }

    private func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var generator = RandomGenerator(seed: seed)
        return (0..<count).map { _ in scale * generator.nextNormal() }
    }

    func testTanhGivesTheScalarFunctionsBitsAtTheClampTheSmallInputCutAndInfinities() {
        var values: [Float] = [0, -0, 0.0003999, -0.0003999, 0.0004, -0.0004, 7.90531110763549805, -7.90531110763549805,
                               7.9053115, -7.9053115, 20, -20, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, 1, -1]
        values += randomValues(5_000, seed: 1, scale: 4) + randomValues(1_001, seed: 2, scale: 0.001)
        let expected = values.map(ScalarMath.tanh)
        for width in widths {
            for count in [values.count, 13, 3] {
                var output = [Float](repeating: 7, count: count)
                exptrain_tanh(width, values, &output, count)
                sameBits(output, Array(expected.prefix(count)), "tanh at \(width) lanes, \(count) values")
            }
            var inPlace = values
            inPlace.withUnsafeMutableBufferPointer { exptrain_tanh(width, $0.baseAddress!, $0.baseAddress!, $0.count) }
            sameBits(inPlace, expected, "tanh in place at \(width) lanes")
        }
    }

    func testTanhPullBackAddsTheGradientTimesOneMinusTheOutputSquared() {
        let count = 1_003
        let (g, y, start) = (randomValues(count, seed: 3), randomValues(count, seed: 4).map(ScalarMath.tanh), randomValues(count, seed: 5))
        var expected = start
        for i in 0..<count {
            let slope: Float = 1 - y[i] * y[i]
            expected[i] = start[i] + g[i] * slope
        }
        for width in widths {
            var accumulated = start
            exptrain_tanh_pull_back(width, g, y, &accumulated, count, 1)
            sameBits(accumulated, expected, "tanh's pullback at \(width) lanes")
        }
    }

    func testTanhPullBackWithoutAccumulatingIsTheSumIntoZeros() {
        let count = 1_003
        var (g, y) = (randomValues(count, seed: 3), randomValues(count, seed: 4).map(ScalarMath.tanh))
        // −0 gradients and saturated outputs (1 − y² = 0) give −0 products, which a sum
        // into zeros turns into +0.
        for i in stride(from: 0, to: count, by: 7) { g[i] = -0.0 }
        for i in stride(from: 3, to: count, by: 11) { (g[i], y[i]) = (-abs(g[i]) - 0.5, i % 2 == 0 ? 1 : -1) }
        for width in widths {
            var zeroed = [Float](repeating: 0, count: count)
            exptrain_tanh_pull_back(width, g, y, &zeroed, count, 1)
            var written = [Float](repeating: .nan, count: count)
            exptrain_tanh_pull_back(width, g, y, &written, count, 0)
            sameBits(written, zeroed, "tanh's pullback without accumulating at \(width) lanes")
            XCTAssertFalse(written.contains { $0 == 0 && $0.sign == .minus }, "a −0 was kept at \(width) lanes")
        }
    }

    func testAdamsUpdateGivesTheScalarRulesBitsForEveryParameter() {
        let count = 1_003
        let (beta1, beta2, stepSize, correction, epsilon): (Float, Float, Float, Float, Float) = (0.9, 0.999, 3e-4, 0.0447, 1e-5)
        let gradients = randomValues(count, seed: 6, scale: 0.1)
        let (values, first) = (randomValues(count, seed: 7), randomValues(count, seed: 8, scale: 0.01))
        let second = randomValues(count, seed: 9, scale: 0.01).map { $0 * $0 }
        var expected = (values: values, first: first, second: second)
        for i in 0..<count {
            let (firstShare, secondShare): (Float, Float) = (1 - beta1, 1 - beta2)
            expected.first[i] = beta1 * first[i] + firstShare * gradients[i]
            expected.second[i] = beta2 * second[i] + secondShare * gradients[i] * gradients[i]
            let denominator: Float = expected.second[i].squareRoot() / correction + epsilon
            expected.values[i] = values[i] - stepSize * expected.first[i] / denominator
        }
        for width in widths {
            var (x, m, v) = (values, first, second)
            exptrain_adam_update(width, &x, &m, &v, gradients, count, beta1, beta2, stepSize, correction, epsilon)
            sameBits(m, expected.first, "Adam's first moments at \(width) lanes")
            sameBits(v, expected.second, "Adam's second moments at \(width) lanes")
            sameBits(x, expected.values, "Adam's parameters at \(width) lanes")
        }
    }

    func testColumnSumsAddEachRowInTurnForNarrowAndWideRows() {
        for columns in [1, 2, 7, 16, 64, 67] {
            let rowCount = 9
            let rows = randomValues(rowCount * columns, seed: UInt64(columns))
            let start = randomValues(columns, seed: 100 + UInt64(columns))
            var expected = start
            for row in 0..<rowCount {
                for j in 0..<columns { expected[j] += rows[row * columns + j] }
            }
            for width in widths {
                var sums = start
                exptrain_add_column_sums(width, rows, rowCount, columns, &sums)
                sameBits(sums, expected, "column sums of \(columns) columns at \(width) lanes")
            }
            var viaBLAS = start
            BLAS.addColumnSums(rows, rowCount: rowCount, columns: columns, into: &viaBLAS)
            sameBits(viaBLAS, expected, "BLAS.addColumnSums of \(columns) columns")
        }
    }

    func testSumOfSquaresAddsEightDoubleLanesInOrderThenTheRest() {
        for count in [0, 5, 8, 1_003] {
            let values = randomValues(count, seed: 11, scale: 3)
            var lanes = SIMD8<Double>()
            var index = 0
            while index + 8 <= count {
                let chunk = SIMD8<Double>(SIMD8<Float>(values[index..<(index + 8)]))
                lanes += chunk * chunk
                index += 8
            }
            var expected = lanes.sum()
            for rest in index..<count { expected += Double(values[rest]) * Double(values[rest]) }
            for width in widths {
                XCTAssertEqual(exptrain_sum_of_squares(width, values, count).bitPattern, expected.bitPattern, "\(count) squares at \(width) lanes")
            }
        }
    }

    func testScalingMultipliesEveryValue() {
        let values = randomValues(1_003, seed: 12)
        for width in widths {
            var scaled = values
            exptrain_scale(width, &scaled, scaled.count, 0.37)
            sameBits(scaled, values.map { $0 * 0.37 }, "scaling at \(width) lanes")
        }
    }

    func testFilledRowsAreCopiesOfTheRowForNarrowAndWideRows() {
        for columns in [1, 2, 7, 16, 64, 67] {
            let row = randomValues(columns, seed: 200 + UInt64(columns))
            let expected = (0..<5).flatMap { _ in row }
            for width in widths {
                var rows = [Float](repeating: .nan, count: 5 * columns)
                exptrain_fill_rows(width, row, columns, 5, &rows)
                sameBits(rows, expected, "5 rows of \(columns) columns at \(width) lanes")
            }
        }
    }

    func testAllFiniteFindsOneInfinityOrNaNAnywhereIncludingThePartialVector() {
        let finite = randomValues(1_003, seed: 13, scale: 1e30)
        XCTAssertTrue(finite.withUnsafeBufferPointer(allFinite))
        XCTAssertTrue([Float]().withUnsafeBufferPointer(allFinite))
        for width in widths {
            XCTAssertEqual(exptrain_all_finite(width, finite, finite.count), 1, "finite values at \(width) lanes")
            for position in [0, 15, 16, 500, 1_002] {
                for bad in [Float.infinity, -.infinity, .nan] {
                    var values = finite
                    values[position] = bad
                    XCTAssertEqual(exptrain_all_finite(width, values, values.count), 0, "\(bad) at \(position), \(width) lanes")
                    XCTAssertFalse(values.withUnsafeBufferPointer(allFinite), "\(bad) at \(position)")
                }
            }
        }
    }

    /// `EmbeddedLinear`'s shapes: 5 samples of 3 cells × 2 channels, table rows 0..<4.
    private let (batch, cells, channels, tableRowCount) = (5, 3, 2, 4)

    private func projectionRows(seed: UInt64) -> [Int32] {
        var generator = RandomGenerator(seed: seed)
        return (0..<(batch * cells * channels)).map { _ in Int32(generator.nextUniform(0, Float(tableRowCount) - 0.001)) }
    }

    func testProjectionRowSumsAddEveryCellAndChannelInOrderToTheBias() {
        let rows = projectionRows(seed: 14)
        for outputs in [5, 16, 64, 67] {
            let projections = randomValues(tableRowCount * cells * outputs, seed: 15)
            let bias = randomValues(outputs, seed: 16)
            var expected = [Float](repeating: 0, count: batch * outputs)
            for sample in 0..<batch {
                for out in 0..<outputs {
                    var total = bias[out]
                    for cell in 0..<cells {
                        for c in 0..<channels { total += projections[(Int(rows[(sample * cells + cell) * channels + c]) * cells + cell) * outputs + out] }
                    }
                    expected[sample * outputs + out] = total
                }
            }
            for width in widths {
                var output = [Float](repeating: .nan, count: batch * outputs)
                exptrain_sum_projection_rows(width, projections, rows, batch, cells, channels, outputs, bias, &output)
                sameBits(output, expected, "projection sums of \(outputs) outputs at \(width) lanes")
            }
        }
    }

    func testProjectionRowScatterAddsEachSamplesGradientToItsRowsInOrder() {
        let rows = projectionRows(seed: 17)
        for outputs in [5, 16, 64, 67] {
            let gradient = randomValues(batch * outputs, seed: 18)
            let start = randomValues(tableRowCount * cells * outputs, seed: 19)
            var expected = start
            for sample in 0..<batch {
                for cell in 0..<cells {
                    for c in 0..<channels {
                        let row = (Int(rows[(sample * cells + cell) * channels + c]) * cells + cell) * outputs
                        for out in 0..<outputs { expected[row + out] += gradient[sample * outputs + out] }
                    }
                }
            }
            for width in widths {
                var projectionGradient = start
                exptrain_scatter_projection_rows(width, gradient, rows, batch, cells, channels, outputs, &projectionGradient)
                sameBits(projectionGradient, expected, "projection scatter of \(outputs) outputs at \(width) lanes")
            }
        }
    }

    func testRearrangedWeightPutsEachOutputLastAndAddsBack() {
        let (outputs, dimension) = (5, 3)
        let inputSize = cells * channels * dimension
        let weight = randomValues(outputs * inputSize, seed: 20)
        var rearranged = [Float](repeating: .nan, count: weight.count)
        exptrain_rearrange_weight(weight, outputs, cells, channels, dimension, &rearranged)
        for out in 0..<outputs {
            for cell in 0..<cells {
                for c in 0..<channels {
                    for k in 0..<dimension {
                        XCTAssertEqual(rearranged[((c * dimension + k) * cells + cell) * outputs + out].bitPattern,
                                       weight[out * inputSize + (cell * channels + c) * dimension + k].bitPattern)
                    }
                }
            }
        }
        let start = randomValues(weight.count, seed: 21)
        var added = start
        exptrain_add_rearranged_weight(rearranged, outputs, cells, channels, dimension, &added)
        sameBits(added, (0..<weight.count).map { start[$0] + weight[$0] }, "the rearranged weight added back")
    }

    func testTableRowsOffsetEachChannelAndNameTheFirstBadCode() {
        let (codeCounts, rowOffsets) = ([3, 2], [0, 3])
        var rows = [Int32](repeating: -1, count: 6)
        XCTAssertEqual(exptrain_table_rows([0, 1, 2, 0, 1, 1], 6, 2, codeCounts, rowOffsets, &rows), -1)
        XCTAssertEqual(rows, [0, 4, 2, 3, 1, 4])
        XCTAssertEqual(exptrain_table_rows([0, 1, 2, 2, 1, 1], 6, 2, codeCounts, rowOffsets, &rows), 3, "code 2 of a 2-code channel")
        XCTAssertEqual(exptrain_table_rows([0, 1, -1, 0], 4, 2, codeCounts, rowOffsets, &rows), 2, "a negative code")
        XCTAssertEqual(exptrain_table_rows([0, .nan], 2, 2, codeCounts, rowOffsets, &rows), 1, "NaN")
    }
}

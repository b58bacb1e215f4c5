import CVectorKernels
import ExptrainRandom
import ExptrainTensor
import XCTest

/// `BLAS.affine` with a transposed copy of the weight multiplies untransposed; the numbers
/// must be those of `x·Wᵀ` (bit for bit under the digests' Haswell kernel, which
/// `scripts/digest-check.sh` checks end to end; here within rounding under any kernel).
final class AffineTests: XCTestCase {
    func testTransposeSwapsRowsAndColumns() {
        let matrix: [Float] = [1, 2, 3, 4, 5, 6]
        var transposed = [Float](repeating: 0, count: 6)
        BLAS.transpose(matrix, rows: 2, columns: 3, into: &transposed)
        XCTAssertEqual(transposed, [1, 4, 2, 5, 3, 6])
        // Whole 8 × 8 blocks and the rows and columns past them, at every vector width.
        for (rows, columns) in [(64, 64), (64, 4), (4, 64), (19, 13), (8, 8), (9, 17), (1, 1)] {
            let matrix = (0..<(rows * columns)).map { Float($0) }
            let expected = (0..<(rows * columns)).map { Float(($0 % rows) * columns + $0 / rows) }
            for lanes: Int32 in [16, 8, 0] where lanes <= exptrain_widest_vector_lanes() {
                var transposed = [Float](repeating: .nan, count: rows * columns)
                exptrain_transpose(lanes, matrix, rows, columns, &transposed)
                XCTAssertEqual(transposed, expected, "\(rows) × \(columns) at \(lanes) lanes")
            }
        }
    }

    func testTheTransposedWeightGivesTheProductOfTheWeight() {
        var generator = RandomGenerator(seed: 17)
        for (batch, inputSize, outputSize) in [(128, 64, 64), (4, 64, 64), (4, 4, 64), (128, 4, 64), (33, 7, 19), (4, 64, 2)] {
            let x = (0..<(batch * inputSize)).map { _ in generator.nextNormal() }
            let weight = (0..<(outputSize * inputSize)).map { _ in generator.nextNormal() }
            let bias = (0..<outputSize).map { _ in generator.nextNormal() }
            var transposed = [Float](repeating: 0, count: inputSize * outputSize)
            BLAS.transpose(weight, rows: outputSize, columns: inputSize, into: &transposed)
            var plain = [Float](repeating: .nan, count: batch * outputSize)
            var viaTransposed = [Float](repeating: .nan, count: batch * outputSize)
            BLAS.affine(batch: batch, inputSize: inputSize, outputSize: outputSize, input: x, weight: weight, bias: bias, output: &plain)
            BLAS.affine(
                batch: batch, inputSize: inputSize, outputSize: outputSize, input: x, weight: weight, bias: bias, output: &viaTransposed,
                transposedWeight: transposed)
            var reference = [Float](repeating: 0, count: batch * outputSize)
            for r in 0..<batch {
                for o in 0..<outputSize {
                    var sum = Double(bias[o])
                    for i in 0..<inputSize { sum += Double(x[r * inputSize + i]) * Double(weight[o * inputSize + i]) }
                    reference[r * outputSize + o] = Float(sum)
                }
            }
            for (index, (a, b)) in zip(viaTransposed, plain).enumerated() {
                XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "\(batch)×\(inputSize)→\(outputSize) at \(index)")
                XCTAssertEqual(a, reference[index], accuracy: 1e-4 * max(1, abs(reference[index])), "\(batch)×\(inputSize)→\(outputSize) at \(index)")
            }
        }
    }
}

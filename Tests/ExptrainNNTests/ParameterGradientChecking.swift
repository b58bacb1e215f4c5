import ExptrainNN
import ExptrainRandom
import ExptrainTensor
import XCTest

/// Checks the gradients `backward()` accumulates into `parameters` for the scalar
/// `objective` against central finite differences over every parameter value.
func assertParameterGradientsMatchFiniteDifferences(
    _ parameters: ParameterStore, tolerance: Double = 3e-3,
    file: StaticString = #filePath, line: UInt = #line,
    _ objective: () -> Tensor
) {
    parameters.zeroGradients()
    objective().backward()
    let analytic = parameters.withGradients { Array($0) }
    let numeric = parameters.withValues { values in
        centralDifferences(of: { withoutGradients { Double(objective().scalar) } }, at: values.baseAddress!, count: values.count)
    }
    XCTAssertTrue(analytic.contains { $0 != 0 }, "no gradient reached the parameters", file: file, line: line)
    for (index, (a, n)) in zip(analytic, numeric).enumerated() {
        let name = parameters.entries.last { $0.offset <= index }!.name
        XCTAssertEqual(
            Double(a), n, accuracy: tolerance * max(1, abs(n)),
            "\(name) value \(index): backward \(a), finite differences \(n)", file: file, line: line
        )
    }
}

/// A fixed pseudo-random objective of a tensor's values: `Σ wᵢ·xᵢ` with weights from `seed`.
func projection(_ tensor: Tensor, seed: UInt64) -> Tensor {
    (tensor * Tensor.randomNormal(tensor.shape, seed: seed)).sum()
}

extension Tensor {
    static func randomNormal(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randomNormal(shape, using: &generator)
    }
}

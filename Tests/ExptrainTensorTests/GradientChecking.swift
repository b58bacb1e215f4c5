import ExptrainRandom
import ExptrainTensor
import XCTest

/// Checks the gradients `backward()` gives for `function` of `inputs` against central
/// finite differences: the scalar is `Σ wᵢ·outputᵢ` with random weights `w`.
func assertGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], step: Float = 1e-2, tolerance: Double = 2e-3,
    file: StaticString = #filePath, line: UInt = #line,
    _ function: ([Tensor]) -> Tensor
) {
    var generator = RandomGenerator(seed: 99)
    let probe = withoutGradients { function(inputs) }
    let weights = (0..<probe.count).map { _ in generator.nextUniform(-1, 1) }
    let weightTensor = Tensor(shape: probe.shape, values: weights)

    inputs.forEach { $0.zeroGradient() }
    let output = function(inputs)
    XCTAssertTrue(output.requiresGradient, "the output was not recorded", file: file, line: line)
    (output * weightTensor).sum().backward()

    for (inputIndex, input) in inputs.enumerated() {
        let analytic = input.gradient!
        let numeric = input.withUnsafeMutableBufferPointer { values in
            centralDifferences(
                of: { withoutGradients { weightedSum(function(inputs), weights: weights) } },
                at: values.baseAddress!, count: values.count, step: step
            )
        }
        for (index, (a, n)) in zip(analytic, numeric).enumerated() {
            XCTAssertEqual(
                Double(a), n, accuracy: tolerance * max(1, abs(n)),
                "input \(inputIndex), value \(index): backward \(a), finite differences \(n)", file: file, line: line
            )
        }
    }
}

/// A leaf with random normal values that collects a gradient.
func randomLeaf(_ shape: [Int], seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ in generator.nextNormal() * scale + offset }
    return Tensor(shape: shape, values: values, requiresGradient: true)
}

/// A leaf with random values whose magnitude is at least `margin`, kept away from
/// kinks at zero (ReLU) where finite differences are meaningless.
func randomLeafAwayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        let x = generator.nextNormal()
        return x < 0 ? min(x, -margin) : max(x, margin)
    }
    return Tensor(shape: shape, values: values, requiresGradient: true)
}

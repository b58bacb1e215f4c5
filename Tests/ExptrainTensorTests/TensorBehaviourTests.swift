import ExptrainRandom
import ExptrainTensor
import XCTest

final class TensorBehaviourTests: XCTestCase {
    func testMatmulValuesWorkedByHand() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(matmul(a, b).scalars, [58, 64, 139, 154])
        // aᵀ·aᵀᵀ = aᵀa: [[17, 22, 27], [22, 29, 36], [27, 36, 45]]
        XCTAssertEqual(matmul(a, a, transposeA: true).scalars, [17, 22, 27, 22, 29, 36, 27, 36, 45])
        XCTAssertEqual(matmul(a, a, transposeB: true).scalars, [14, 32, 32, 77])
        XCTAssertEqual(matmul(b, a, transposeA: true, transposeB: true).scalars, [58, 139, 64, 154])
        XCTAssertEqual(affine(a, weight: a, bias: Tensor(shape: [2], values: [1, -1])).scalars, [15, 31, 33, 76])
    }

    func testBroadcastingValues() {
        let batch = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual((batch + Tensor(shape: [3], values: [10, 20, 30])).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((batch * Tensor(shape: [2, 1], values: [2, -1])).scalars, [2, 4, 6, -4, -5, -6])
        XCTAssertEqual((1 - batch).scalars, [0, -1, -2, -3, -4, -5])
        XCTAssertEqual((batch + Tensor(shape: [2, 1], values: [1, 2])).shape, [2, 3])
        XCTAssertEqual(batch.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(batch.mean(axis: 1).scalars, [2, 5])
        XCTAssertEqual(batch.mean().scalar, 3.5)
    }

    func testLogSoftmaxIsStableAndGatherPicks() {
        let logits = Tensor(shape: [2, 3], values: [1000, 1000, 1000, 0, 0, Float(log(2.0))])
        let logProbabilities = logits.logSoftmax().scalars
        for value in logProbabilities[0..<3] { XCTAssertEqual(value, -Float(log(3.0)), accuracy: 1e-5) }
        XCTAssertEqual(logProbabilities[5], Float(log(0.5)), accuracy: 1e-6)
        XCTAssertEqual(logits.logSoftmax().gather(lastAxis: [1, 2]).scalars[1], Float(log(0.5)), accuracy: 1e-6)
    }

    func testWithoutGradientsRecordsNothing() {
        let weight = randomLeaf([3, 3], seed: 1)
        let input = Tensor(shape: [2, 3], repeating: 1)
        let output = withoutGradients { matmul(input, weight).tanh().sum() }
        XCTAssertFalse(output.requiresGradient)
        output.backward()
        XCTAssertEqual(weight.gradient, [Float](repeating: 0, count: 9))
        XCTAssertTrue(matmul(input, weight).requiresGradient, "recording resumes after the block")
    }

    func testTensorsWithoutGradientLeavesAreNotRecorded() {
        let input = Tensor(shape: [2, 2], values: [1, 2, 3, 4])
        XCTAssertFalse((input * input).exp().requiresGradient)
        XCTAssertFalse(randomLeaf([2], seed: 3).detached().exp().requiresGradient)
    }

    func testGradientsAccumulateUntilZeroed() {
        let x = Tensor(shape: [2], values: [1, 2], requiresGradient: true)
        (x * x).sum().backward()
        (x * x).sum().backward()
        XCTAssertEqual(x.gradient, [4, 8])
        x.zeroGradient()
        (3 * x).sum().backward()
        XCTAssertEqual(x.gradient, [3, 3])
        let scalarLeaf = Tensor(shape: [], values: [2], requiresGradient: true)
        scalarLeaf.backward()
        XCTAssertEqual(scalarLeaf.gradient, [1], "d x / d x")
    }

    func testBackwardThroughAVeryDeepGraph() {
        let x = Tensor(shape: [1], values: [0.5], requiresGradient: true)
        var y = x
        for _ in 0..<20_000 { y = y * 1.0001 }
        y.sum().backward()
        XCTAssertEqual(x.gradient![0], Float(pow(1.0001, 20_000.0)), accuracy: 1e-2)
    }

    func testViewsShareValues() {
        let x = Tensor(shape: [3, 2], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.slice(rows: 1..<3).scalars, [3, 4, 5, 6])
        XCTAssertEqual(x.reshaped([2, 3]).shape, [2, 3])
        XCTAssertEqual(x.rows(at: [2, 0]).scalars, [5, 6, 1, 2])
        XCTAssertEqual(Tensor.concatenate([x.slice(rows: 2..<3), x.slice(rows: 0..<1)]).scalars, [5, 6, 1, 2])
    }

    func testSameSeedGivesIdenticalRandomTensors() {
        var first = RandomGenerator(seed: 5)
        var second = RandomGenerator(seed: 5)
        XCTAssertEqual(Tensor.randomNormal([7, 3], using: &first).scalars, Tensor.randomNormal([7, 3], using: &second).scalars)
    }
}

final class TensorBufferPoolTests: XCTestCase {
    func testSteadyStateStepsReuseEveryBuffer() {
        let pool = TensorBufferPool()
        let weight = randomLeaf([4, 3], seed: 2)
        func step() -> [Float] {
            withoutGradients(reusing: pool) {
                let input = Tensor(shape: [2, 3], repeating: 0.5)
                return affine(input, weight: weight, bias: nil).tanh().logSoftmax().scalars
            }
        }
        let first = step()
        let created = pool.buffersCreated
        XCTAssertGreaterThan(created, 0)
        for _ in 0..<5 { XCTAssertEqual(step(), first) }
        XCTAssertEqual(pool.buffersCreated, created, "later steps only reuse buffers")
    }

    /// `reusingBuffers(from:)` around recorded steps: the graph's value and gradient buffers
    /// come back after each step and serve the next, and the gradients are the same bits.
    func testTrainingStepsReuseEveryBufferAndKeepTheirGradients() {
        let weight = randomLeaf([4, 3], seed: 2)
        let bias = randomLeaf([4], seed: 3)
        let input = Tensor(shape: [5, 3], values: (0..<15).map { Float($0) / 7 - 1 })
        func step() -> [Float] {
            weight.zeroGradient()
            bias.zeroGradient()
            (affine(input, weight: weight, bias: bias).tanh().logSoftmax() * 0.3).sum().backward()
            return weight.gradient! + bias.gradient!
        }
        let unpooled = step()
        let pool = TensorBufferPool()
        XCTAssertEqual(reusingBuffers(from: pool, step), unpooled)
        let created = pool.buffersCreated
        XCTAssertGreaterThan(created, 0)
        for _ in 0..<5 { XCTAssertEqual(reusingBuffers(from: pool, step), unpooled) }
        XCTAssertEqual(pool.buffersCreated, created, "later steps only reuse buffers")
    }

    func testPooledTensorsOutliveTheBlockSafely() {
        let pool = TensorBufferPool()
        let kept = withoutGradients(reusing: pool) { Tensor(shape: [3], values: [1, 2, 3]).exp() }
        let other = withoutGradients(reusing: pool) { Tensor(shape: [3], repeating: 7) * 2 }
        XCTAssertEqual(kept.scalars.map { $0.rounded() }, [3, 7, 20], "a live tensor's buffer is not handed out again")
        XCTAssertEqual(other.scalars, [14, 14, 14])
    }
}

import ExptrainRandom
import ExptrainTensor
import XCTest

/// `conv2d`: values against hand-computed cases and the direct sum, gradients against
/// central finite differences over strides, paddings, channels and batches.
final class ConvolutionTests: XCTestCase {
    /// A 3×3 image 1…9 and the 2×2 kernel [[1, 2], [3, 4]], worked out by hand.
    func testForwardOfAHandComputedCase() {
        let image = Tensor(shape: [1, 3, 3, 1], values: (1...9).map(Float.init))
        let kernel = Tensor(shape: [1, 2, 2, 1], values: [1, 2, 3, 4])
        XCTAssertEqual(conv2d(image, weight: kernel, bias: nil).scalars, [37, 47, 67, 77])
        XCTAssertEqual(conv2d(image, weight: kernel, bias: Tensor(shape: [1], values: [0.5])).shape, [1, 2, 2, 1])
        // Padding 1, stride 2: windows at (−1, −1), (−1, 1), (1, −1), (1, 1).
        XCTAssertEqual(conv2d(image, weight: kernel, bias: nil, stride: 2, padding: 1).scalars, [4, 18, 36, 77])
    }

    /// Two channels in, two out, a bias: channel-last output, channel `o` at the last axis.
    func testForwardWithChannelsIsChannelLast() {
        // One pixel of two channels (3, 5); filters (1, 10) and (−1, 0), biases 0.5 and 2.
        let pixel = Tensor(shape: [1, 1, 1, 2], values: [3, 5])
        let weight = Tensor(shape: [2, 1, 1, 2], values: [1, 10, -1, 0])
        let y = conv2d(pixel, weight: weight, bias: Tensor(shape: [2], values: [0.5, 2]))
        XCTAssertEqual(y.shape, [1, 1, 1, 2])
        XCTAssertEqual(y.scalars, [53.5, -1])
    }

    func testForwardMatchesTheDirectSum() {
        for (index, g) in Self.geometries.enumerated() {
            let x = randomLeaf([g.batch, g.height, g.width, g.inputChannels], seed: UInt64(10 + index))
            let w = randomLeaf([g.outputChannels, g.kernelHeight, g.kernelWidth, g.inputChannels], seed: UInt64(30 + index))
            let b = randomLeaf([g.outputChannels], seed: UInt64(50 + index))
            let y = conv2d(x, weight: w, bias: b, stride: g.stride, padding: g.padding)
            XCTAssertEqual(y.shape, [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
            let expected = Self.directConvolution(x.scalars, w.scalars, b.scalars, g)
            for (i, (value, reference)) in zip(y.scalars, expected).enumerated() {
                XCTAssertEqual(Double(value), reference, accuracy: 1e-4 * max(1, abs(reference)), "geometry \(index), value \(i)")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() {
        for (index, g) in Self.geometries.enumerated() {
            let x = randomLeaf([g.batch, g.height, g.width, g.inputChannels], seed: UInt64(70 + index))
            let w = randomLeaf([g.outputChannels, g.kernelHeight, g.kernelWidth, g.inputChannels], seed: UInt64(90 + index), scale: 0.5)
            let b = randomLeaf([g.outputChannels], seed: UInt64(110 + index))
            assertGradientsMatchFiniteDifferences([x, w, b]) {
                conv2d($0[0], weight: $0[1], bias: $0[2], stride: g.stride, padding: g.padding)
            }
        }
    }

    /// Stacked and followed by a non-linearity and a flatten, as in an encoder: the
    /// first layer's input needs no gradient, the second's comes from the first.
    func testGradientsOfTwoStackedConvolutions() {
        let x = Tensor(shape: [2, 6, 6, 2], values: randomLeaf([2, 6, 6, 2], seed: 130).scalars)
        let w1 = randomLeaf([3, 3, 3, 2], seed: 131, scale: 0.5)
        let w2 = randomLeaf([4, 2, 2, 3], seed: 132, scale: 0.5)
        let b2 = randomLeaf([4], seed: 133)
        assertGradientsMatchFiniteDifferences([w1, w2, b2]) {
            let hidden = conv2d(x, weight: $0[0], bias: nil, stride: 1, padding: 1).tanh()
            return conv2d(hidden, weight: $0[1], bias: $0[2], stride: 2).reshaped([2, -1])
        }
    }

    /// A batch whose patches do not fit one block (`imagesPerBlock` 6 of 13 images: blocks
    /// of 6, 6 and 1): values, and the gradients of `Σ y ⊙ r` for input, weight and bias,
    /// against the direct sums in Double.
    func testBlockwiseConvolutionMatchesTheDirectSums() {
        let g = ConvolutionGeometry(
            batch: 13, height: 40, width: 40, inputChannels: 4, outputChannels: 3, kernelHeight: 5, kernelWidth: 5, padding: 2)
        XCTAssertEqual(g.imagesPerBlock, 6)
        XCTAssertEqual(g.blocks.map(\.images), [6, 6, 1])
        let x = randomLeaf([g.batch, g.height, g.width, g.inputChannels], seed: 140)
        let w = randomLeaf([g.outputChannels, g.kernelHeight, g.kernelWidth, g.inputChannels], seed: 141, scale: 0.2)
        let b = randomLeaf([g.outputChannels], seed: 142)
        let r = randomLeaf([g.batch, g.outputHeight, g.outputWidth, g.outputChannels], seed: 143)
        let y = conv2d(x, weight: w, bias: b, stride: g.stride, padding: g.padding)
        let expected = Self.directConvolution(x.scalars, w.scalars, b.scalars, g)
        XCTAssertEqual(zip(y.scalars, expected).map { abs(Double($0) - $1) / max(1, abs($1)) }.max()!, 0, accuracy: 1e-5)
        (y * Tensor(shape: r.shape, values: r.scalars)).sum().backward()

        var (dx, dw, db) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: w.count), [Double](repeating: 0, count: b.count))
        let (xs, ws, rs) = (x.scalars, w.scalars, r.scalars)
        for n in 0..<g.batch {
            for i in 0..<g.outputHeight {
                for j in 0..<g.outputWidth {
                    for o in 0..<g.outputChannels {
                        let upstream = Double(rs[((n * g.outputHeight + i) * g.outputWidth + j) * g.outputChannels + o])
                        db[o] += upstream
                        for u in 0..<g.kernelHeight {
                            for v in 0..<g.kernelWidth {
                                let (row, column) = (i * g.stride + u - g.padding, j * g.stride + v - g.padding)
                                guard row >= 0, row < g.height, column >= 0, column < g.width else { continue }
                                for c in 0..<g.inputChannels {
                                    let xi = ((n * g.height + row) * g.width + column) * g.inputChannels + c
                                    let wi = ((o * g.kernelHeight + u) * g.kernelWidth + v) * g.inputChannels + c
                                    dw[wi] += upstream * Double(xs[xi])
                                    dx[xi] += upstream * Double(ws[wi])
                                }
                            }
                        }
                    }
                }
            }
        }
        for (name, tensor, reference) in [("x", x, dx), ("W", w, dw), ("b", b, db)] {
            let analytic = tensor.gradient!
            let error = zip(analytic, reference).map { abs(Double($0) - $1) / max(1, abs($1)) }.max()!
            XCTAssertLessThan(error, 1e-4, "d\(name)")
        }
    }

    /// Strides 1, 2, 4; paddings 0 and 1; one to three channels; batches of one to three;
    /// square and oblong kernels, windows that do not tile the image exactly.
    static let geometries = [
        ConvolutionGeometry(batch: 2, height: 5, width: 5, inputChannels: 1, outputChannels: 2, kernelHeight: 3, kernelWidth: 3),
        ConvolutionGeometry(batch: 3, height: 6, width: 5, inputChannels: 2, outputChannels: 3, kernelHeight: 3, kernelWidth: 2, stride: 2),
        ConvolutionGeometry(batch: 2, height: 9, width: 9, inputChannels: 3, outputChannels: 2, kernelHeight: 4, kernelWidth: 4, stride: 4),
        ConvolutionGeometry(batch: 2, height: 4, width: 4, inputChannels: 2, outputChannels: 2, kernelHeight: 3, kernelWidth: 3, padding: 1),
        ConvolutionGeometry(batch: 1, height: 5, width: 6, inputChannels: 3, outputChannels: 4, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1),
        ConvolutionGeometry(batch: 2, height: 7, width: 7, inputChannels: 2, outputChannels: 1, kernelHeight: 2, kernelWidth: 2, stride: 4, padding: 1),
    ]

    /// `y[n, i, j, o] = b[o] + Σ x[n, i·s + u − p, j·s + v − p, c] · W[o, u, v, c]`, term by term in Double.
    static func directConvolution(_ x: [Float], _ w: [Float], _ b: [Float], _ g: ConvolutionGeometry) -> [Double] {
        var y: [Double] = []
        for n in 0..<g.batch {
            for i in 0..<g.outputHeight {
                for j in 0..<g.outputWidth {
                    for o in 0..<g.outputChannels {
                        var sum = Double(b[o])
                        for u in 0..<g.kernelHeight {
                            for v in 0..<g.kernelWidth {
                                let (row, column) = (i * g.stride + u - g.padding, j * g.stride + v - g.padding)
                                guard row >= 0, row < g.height, column >= 0, column < g.width else { continue }
                                for c in 0..<g.inputChannels {
                                    let input = x[((n * g.height + row) * g.width + column) * g.inputChannels + c]
                                    let weight = w[((o * g.kernelHeight + u) * g.kernelWidth + v) * g.inputChannels + c]
                                    sum += Double(input) * Double(weight)
                                }
                            }
                        }
                        y.append(sum)
                    }
                }
            }
        }
        return y
    }
}

/// The sizes of one 2-D convolution over a batch of channel-last images.
///
/// Layout (NHWC, channel last, as Gymnasium and MinAtar hand out images, so a UInt8
/// observation is scaled into place and never transposed):
///
/// - input `[batch, height, width, inputChannels]`
/// - weight `[outputChannels, kernelHeight, kernelWidth, inputChannels]`: row `o` is one
///   filter, in the order of one image patch (PyTorch's `[out, in, kh, kw]` with the
///   input channel moved last)
/// - output `[batch, outputHeight, outputWidth, outputChannels]`, channel last again, so
///   convolutions stack without transposes; flattening it gives the `(y, x, channel)` order.
///
/// `outputHeight = ⌊(height + 2·padding − kernelHeight) / stride⌋ + 1` (and the same for
/// width); padding adds zeros on every side.
public struct ConvolutionGeometry: Sendable, Equatable {
    public let batch: Int
    public let height: Int
    public let width: Int
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Int

    /// A geometry whose output has at least one row and one column.
    public init(
        batch: Int, height: Int, width: Int, inputChannels: Int, outputChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0
    ) {
        precondition(batch >= 0 && inputChannels > 0 && outputChannels > 0 && kernelHeight > 0 && kernelWidth > 0,
                     "a convolution needs channels and a kernel")
        precondition(stride > 0 && padding >= 0, "stride must be positive and padding non-negative")
        precondition(height + 2 * padding >= kernelHeight && width + 2 * padding >= kernelWidth,
                     "a \(kernelHeight)×\(kernelWidth) kernel does not fit a \(height)×\(width) image with padding \(padding)")
        self.batch = batch
        self.height = height
        self.width = width
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Values in one patch, the inner size of the convolution's matrix product: `kh·kw·C`.
    public var patchSize: Int { kernelHeight * kernelWidth * inputChannels }
    /// Output positions of the whole batch: `batch·outputHeight·outputWidth`.
    public var outputPositions: Int { batch * outputHeight * outputWidth }
    /// Floats in the input batch.
    public var inputCount: Int { batch * height * width * inputChannels }
    /// Floats in the output batch.
    public var outputCount: Int { outputPositions * outputChannels }

    /// Images whose patch matrix is built and multiplied at a time: as many as fit in about
    /// 4 MiB of patches (at least one, at most the batch), so that sgemm reads the block
    /// from the cache im2col just wrote it to, and no patch matrix of the whole batch is
    /// kept (the Nature-CNN's first layer's is 105 MB at batch 256).
    public var imagesPerBlock: Int {
        let patchesPerImage = max(1, outputHeight * outputWidth * patchSize)
        return max(1, min(batch, Self.blockFloats / patchesPerImage))
    }
    /// Floats of scratch the block-wise kernels need: one block's patch matrix.
    public var blockColumnCount: Int { imagesPerBlock * outputHeight * outputWidth * patchSize }

    /// The same convolution over `images` of the batch's images.
    public func block(images: Int) -> ConvolutionGeometry {
        ConvolutionGeometry(
            batch: images, height: height, width: width, inputChannels: inputChannels, outputChannels: outputChannels,
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride, padding: padding)
    }

    /// The batch's images in blocks of `imagesPerBlock`: (first image, images) pairs.
    public var blocks: [(first: Int, images: Int)] {
        Swift.stride(from: 0, to: batch, by: imagesPerBlock).map { ($0, min(imagesPerBlock, batch - $0)) }
    }

    private static let blockFloats = 1 << 20
}

/// The kernels of `conv2d` on raw buffers: `im2col` then one sgemm for the whole batch.
/// Inference code that keeps its own buffers calls them directly and gets the numbers
/// of the tensor operation.
public enum Convolution {
    /// Writes the patch matrix `[outputPositions, patchSize]`: row `(n, y, x)` is the
    /// `kh×kw×C` window of image `n` whose top-left corner is `(y·stride − padding,
    /// x·stride − padding)`, zeros where it leaves the image. Channel-last input makes each
    /// kernel row of a window one contiguous run of `kw·C` floats, copied in one go.
    public static func im2col(_ input: UnsafePointer<Float>, geometry g: ConvolutionGeometry, into columns: UnsafeMutablePointer<Float>) {
        let channels = g.inputChannels
        let runLength = g.kernelWidth * channels
        let imageSize = g.height * g.width * channels
        var row = columns
        for n in 0..<g.batch {
            let image = input + n * imageSize
            for oy in 0..<g.outputHeight {
                let top = oy * g.stride - g.padding
                for ox in 0..<g.outputWidth {
                    let left = ox * g.stride - g.padding
                    let inside = left >= 0 && left + g.kernelWidth <= g.width
                    for ky in 0..<g.kernelHeight {
                        let target = row + ky * runLength
                        let y = top + ky
                        guard y >= 0 && y < g.height else {
                            target.update(repeating: 0, count: runLength)
                            continue
                        }
                        let source = image + (y * g.width) * channels
                        if inside {
                            target.update(from: source + left * channels, count: runLength)
                        } else {
                            for kx in 0..<g.kernelWidth {
                                let x = left + kx
                                if x >= 0 && x < g.width {
                                    (target + kx * channels).update(from: source + x * channels, count: channels)
                                } else {
                                    (target + kx * channels).update(repeating: 0, count: channels)
                                }
                            }
                        }
                    }
                    row += g.patchSize
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds each patch row of `columns` back onto the input
    /// positions it was read from (`input += col2im(columns)`), skipping the padding.
    public static func col2imAdding(_ columns: UnsafePointer<Float>, geometry g: ConvolutionGeometry, into input: UnsafeMutablePointer<Float>) {
        let channels = g.inputChannels
        let imageSize = g.height * g.width * channels
        var row = columns
        for n in 0..<g.batch {
            let image = input + n * imageSize
            for oy in 0..<g.outputHeight {
                let top = oy * g.stride - g.padding
                for ox in 0..<g.outputWidth {
                    let left = ox * g.stride - g.padding
                    let first = max(0, -left)
                    let last = min(g.kernelWidth, g.width - left)
                    for ky in 0..<g.kernelHeight {
                        let y = top + ky
                        guard y >= 0 && y < g.height, first < last else { continue }
                        let source = row + (ky * g.kernelWidth + first) * channels
                        let target = image + (y * g.width + left + first) * channels
                        for i in 0..<((last - first) * channels) { target[i] += source[i] }
                    }
                    row += g.patchSize
                }
            }
        }
    }

    /// `output = im2col(input) · Wᵀ + b`, block by block (`imagesPerBlock` images at a
    /// time): each block's patch matrix into `columns` (`geometry.blockColumnCount` floats),
    /// then one `BLAS.affine` for the block. Every output row is the same dot product as one
    /// sgemm over the whole batch would compute. `columns` ends holding the last block's patches.
    public static func forward(
        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: ConvolutionGeometry,
        columns: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let imageSize = g.height * g.width * g.inputChannels
        let outputsPerImage = g.outputHeight * g.outputWidth * g.outputChannels
        var first = 0
        while first < g.batch {
            let block = g.block(images: min(g.imagesPerBlock, g.batch - first))
            im2col(input + first * imageSize, geometry: block, into: columns)
            BLAS.affine(
                batch: block.outputPositions, inputSize: g.patchSize, outputSize: g.outputChannels, input: columns, weight: weight,
                bias: bias, output: output + first * outputsPerImage)
            first += block.batch
        }
    }
}

/// A 2-D convolution (cross-correlation, as PyTorch's `conv2d`) of a channel-last batch:
///
///     y[n, i, j, o] = b[o] + Σ_{u, v, c} x[n, i·s + u − p, j·s + v − p, c] · W[o, u, v, c]
///
/// with `x` `[batch, height, width, inChannels]`, `W` `[outChannels, kh, kw, inChannels]`,
/// `b` `[outChannels]`, stride `s` and zero padding `p` (layout: `ConvolutionGeometry`).
/// Computed as `Y = X̂·Wᵀ + b`, where `X̂ = im2col(x)` `[batch·outH·outW, kh·kw·inChannels]`,
/// one sgemm per block of images (`ConvolutionGeometry.imagesPerBlock`, about 4 MiB of
/// patches: the whole batch for small images). The pullback is, block by block,
/// `dW += dY_bᵀ·X̂_b` (the patches rebuilt from `x` rather than kept), `dx_b += col2im(dY_b·W)`
/// when the input needs it, and `db += Σ_rows dY` over the batch.
///
/// ```swift
/// let frames = Tensor(shape: [128, 84, 84, 4], repeating: 0.5)
/// let features = conv2d(frames, weight: w, bias: b, stride: 4)    // [128, 20, 20, 32] for w [32, 8, 8, 4]
/// ```
public func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
    precondition(input.shape.count == 4, "conv2d input must be [batch, height, width, channels], not \(input.shape)")
    precondition(weight.shape.count == 4 && weight.shape[3] == input.shape[3],
                 "conv2d weight \(weight.shape) must be [out, kh, kw, \(input.shape[3])]")
    let g = ConvolutionGeometry(
        batch: input.shape[0], height: input.shape[1], width: input.shape[2], inputChannels: input.shape[3],
        outputChannels: weight.shape[0], kernelHeight: weight.shape[1], kernelWidth: weight.shape[2], stride: stride, padding: padding)
    precondition(bias.map { $0.count == g.outputChannels } ?? true, "conv2d bias must have \(g.outputChannels) values")
    let columns = Tensor(uninitializedShape: [max(1, g.blockColumnCount)])
    let result = Tensor(uninitializedShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
    Convolution.forward(input.pointer, weight: weight.pointer, bias: bias?.pointer, geometry: g, columns: columns.pointer, output: result.pointer)
    let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
    if Tensor.shouldRecord(inputs) {
        result.recordGradient(inputs: inputs) { _, gradient in
            let (k, o) = (g.patchSize, g.outputChannels)
            if let biasGradient = bias?.gradientAccumulator() {
                BLAS.addColumnSums(gradient, rowCount: g.outputPositions, columns: o, into: biasGradient)
            }
            let weightGradient = weight.gradientAccumulator()
            let inputGradient = input.gradientAccumulator()
            guard weightGradient != nil || inputGradient != nil else { return }
            let imageSize = g.height * g.width * g.inputChannels
            let rowsPerImage = g.outputHeight * g.outputWidth
            // Last block first: the forward pass left its patches in `columns`.
            for (index, (first, images)) in g.blocks.enumerated().reversed() {
                let block = g.block(images: images)
                let m = block.outputPositions
                let blockGradient = gradient + first * rowsPerImage * o
                if index != g.blocks.count - 1 {
                    Convolution.im2col(input.pointer + first * imageSize, geometry: block, into: columns.pointer)
                }
                if let weightGradient {
                    BLAS.gemm(transposeA: true, transposeB: false, m: o, n: k, k: m, a: blockGradient, b: columns.pointer, beta: 1, c: weightGradient)
                }
                if let inputGradient {
                    // The block's patches are not needed any more: their memory takes dX̂_b = dY_b·W.
                    BLAS.gemm(transposeA: false, transposeB: false, m: m, n: k, k: o, a: blockGradient, b: weight.pointer, beta: 0, c: columns.pointer)
                    Convolution.col2imAdding(columns.pointer, geometry: block, into: inputGradient + first * imageSize)
                }
            }
        }
    }
    return result
}

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
    /// Floats in the patch matrix (`im2col`).
    public var columnCount: Int { outputPositions * patchSize }
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

    /// `output = im2col(input) · Wᵀ + b`: the patch matrix into `columns`
    /// (`geometry.columnCount` floats), then one `BLAS.affine` for the whole batch.
    public static func forward(
        _ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: ConvolutionGeometry,
        columns: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        im2col(input, geometry: g, into: columns)
        BLAS.affine(
            batch: g.outputPositions, inputSize: g.patchSize, outputSize: g.outputChannels, input: columns, weight: weight,
            bias: bias, output: output)
    }
}

/// A 2-D convolution (cross-correlation, as PyTorch's `conv2d`) of a channel-last batch:
///
///     y[n, i, j, o] = b[o] + Σ_{u, v, c} x[n, i·s + u − p, j·s + v − p, c] · W[o, u, v, c]
///
/// with `x` `[batch, height, width, inChannels]`, `W` `[outChannels, kh, kw, inChannels]`,
/// `b` `[outChannels]`, stride `s` and zero padding `p` (layout: `ConvolutionGeometry`).
/// Computed as `Y = X̂·Wᵀ + b`, where `X̂ = im2col(x)` `[batch·outH·outW, kh·kw·inChannels]`:
/// one sgemm for the whole batch. The pullback is `dW += dYᵀ·X̂`, `db += Σ_rows dY` and, when
/// the input needs it, `dx += col2im(dY·W)` (two more sgemm calls, no loop of small ones).
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
    let columns = Tensor(uninitializedShape: [g.outputPositions, g.patchSize])
    let result = Tensor(uninitializedShape: [g.batch, g.outputHeight, g.outputWidth, g.outputChannels])
    Convolution.forward(input.pointer, weight: weight.pointer, bias: bias?.pointer, geometry: g, columns: columns.pointer, output: result.pointer)
    let inputs = bias.map { [input, weight, $0] } ?? [input, weight]
    if Tensor.shouldRecord(inputs) {
        result.recordGradient(inputs: inputs) { _, gradient in
            let (m, k, o) = (g.outputPositions, g.patchSize, g.outputChannels)
            if let weightGradient = weight.gradientAccumulator() {
                BLAS.gemm(transposeA: true, transposeB: false, m: o, n: k, k: m, a: gradient, b: columns.pointer, beta: 1, c: weightGradient)
            }
            if let biasGradient = bias?.gradientAccumulator() {
                for row in 0..<m {
                    let source = gradient + row * o
                    for j in 0..<o { biasGradient[j] += source[j] }
                }
            }
            if let inputGradient = input.gradientAccumulator() {
                // The patch matrix is not needed any more: its memory takes dX̂ = dY·W.
                BLAS.gemm(transposeA: false, transposeB: false, m: m, n: k, k: o, a: gradient, b: weight.pointer, beta: 0, c: columns.pointer)
                Convolution.col2imAdding(columns.pointer, geometry: g, into: inputGradient)
            }
        }
    }
    return result
}

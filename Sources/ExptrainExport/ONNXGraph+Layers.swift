import ExptrainNN

/// ExptrainNN's layers as ONNX nodes, each with the arithmetic of the layer's own forward
/// pass, so a model's `ONNXExportable` conformance reads like its equation. Constants are
/// named after the parameters they hold (`actor.0.weight`).
extension ONNXGraph {
    /// `y = x Wᵀ + b` (`Gemm` with `transB = 1`): `input` `[N, inputSize]` → `[N, outputSize]`.
    public mutating func linear(_ input: String, _ layer: Linear) -> String {
        let weight = constant(layer.weight)
        let bias = constant(layer.bias)
        return apply("Gemm", [input, weight, bias], [.int("transB", 1)])
    }

    /// The activation applied elementwise (`Tanh`, `Relu`, `Sigmoid`).
    public mutating func activation(_ input: String, _ activation: Activation) -> String {
        switch activation {
        case .tanh: apply("Tanh", [input])
        case .relu: apply("Relu", [input])
        case .sigmoid: apply("Sigmoid", [input])
        }
    }

    /// `layers` with `activation` after each but the last, as `MLPActorCritic`'s networks run.
    public mutating func perceptron(_ input: String, _ layers: [Linear], activation: Activation) -> String {
        var current = input
        for (index, layer) in layers.enumerated() {
            current = linear(current, layer)
            if index < layers.count - 1 { current = self.activation(current, activation) }
        }
        return current
    }

    /// One GRU step from the state `hidden` `[N, H]` (already reset where episodes start)
    /// and `input` `[N, I]` → `h'` `[N, H]`, through ONNX's `GRU` operator with
    /// `linear_before_reset = 1`, which is PyTorch's (and `GRU`'s) cell:
    /// `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`. ONNX stacks the gates z, r, n where
    /// PyTorch stacks r, z, n, so the blocks of each weight and bias are reordered.
    public mutating func gruStep(input: String, hidden: String, _ gru: GRU) -> String {
        let size = gru.hiddenSize
        /// The rows of a `[3H, …]` block in ONNX's order z, r, n.
        func zrn(_ values: [Float], columns: Int) -> [Float] {
            let block = size * columns
            return Array(values[block..<(2 * block)] + values[0..<block] + values[(2 * block)...])
        }
        // `<name>.weight_ih` → `<name>.W`, ONNX's names for the operator's inputs.
        let prefix = String(gru.inputWeight.entry.name.dropLast(".weight_ih".count))
        let w = constant("\(prefix).W", shape: [1, 3 * size, gru.inputSize], floats: zrn(gru.inputWeight.tensor.scalars, columns: gru.inputSize))
        let r = constant("\(prefix).R", shape: [1, 3 * size, size], floats: zrn(gru.hiddenWeight.tensor.scalars, columns: size))
        let b = constant("\(prefix).B", shape: [1, 6 * size],
                         floats: zrn(gru.inputBias.tensor.scalars, columns: 1) + zrn(gru.hiddenBias.tensor.scalars, columns: 1))
        let firstAxis = integers([0], named: "axes")
        let sequence = apply("Unsqueeze", [input, firstAxis])      // [1, N, I]: one time step
        let initial = apply("Unsqueeze", [hidden, firstAxis])      // [1, N, H]: one direction
        let outputs = node("GRU", [sequence, w, r, b, "", initial],
                           [.int("hidden_size", size), .int("linear_before_reset", 1)], outputCount: 2)
        return apply("Squeeze", [outputs[1], firstAxis])           // Y_h [1, N, H] → [N, H]
    }

    /// The features `Embedding` gives grid codes, flattened: `codes` `[N, cells·C]` (floats
    /// holding integers, channel last) → the table rows `offset[c] + code` (`Gather`) →
    /// `[N, cells·C·D]`, as `RecurrentActorCritic` embeds observations.
    public mutating func embeddedCodes(_ codes: String, _ embedding: Embedding, codeCounts: [Int], cells: Int) -> String {
        let table = constant(embedding.weight)
        let channelOffsets = codeCounts.reduce(into: [Int64(0)]) { $0.append($0.last! + Int64($1)) }.dropLast()
        let offsets = constant("\(embedding.weight.entry.name).row_offsets", shape: [cells * codeCounts.count],
                               int64s: Array((0..<cells).map { _ in channelOffsets }.joined()))
        let indices = apply("Cast", [codes], [.int("to", Int(ElementType.int64.rawValue))])   // truncates, as Int(Float) does
        let tableRows = apply("Add", [indices, offsets])
        let vectors = apply("Gather", [table, tableRows], [.int("axis", 0)])                    // [N, cells·C, D]
        return rows(vectors)
    }

    /// `Conv2d` on channel-first images, `input` `[N, C, H, W]` → `[N, O, H', W']` (`Conv`
    /// with `strides` `[s, s]` and `pads` `[p, p, p, p]`):
    /// `y[n, o, i, j] = b[o] + Σ_{c, u, v} x[n, c, i·s + u − p, j·s + v − p] · W[o, u, v, c]`.
    /// ONNX's weight is `[O, C, kh, kw]`, so the constant `<name>.weight` holds ours
    /// (`[O, kh, kw, C]`, the input channel last) with the input channel moved second.
    public mutating func conv2d(_ input: String, _ layer: Conv2d) -> String {
        let (outputs, inputs, side) = (layer.outputChannels, layer.inputChannels, layer.kernelSize)
        let ours = layer.weight.tensor.scalars
        var permuted = [Float](repeating: 0, count: ours.count)
        for o in 0..<outputs {
            for u in 0..<side {
                for v in 0..<side {
                    for c in 0..<inputs {
                        permuted[((o * inputs + c) * side + u) * side + v] = ours[((o * side + u) * side + v) * inputs + c]
                    }
                }
            }
        }
        let weight = constant(layer.weight.entry.name, shape: [outputs, inputs, side, side], floats: permuted)
        let bias = constant(layer.bias)
        return apply("Conv", [input, weight, bias], [
            .ints("kernel_shape", [side, side]), .ints("strides", [layer.stride, layer.stride]),
            .ints("pads", Array(repeating: layer.padding, count: 4)),
        ])
    }

    /// `ConvolutionalEncoder` on channel-first images `[N, C, H, W]` → `[N, outputSize]`:
    /// `hₗ = relu(conv2d(hₗ₋₁))`, then the last map back to channel last (`Transpose`
    /// `[0, 2, 3, 1]`) so the flatten has the encoder's `(y, x, channel)` order, then
    /// `relu(Linear(flatten(h_L)))`.
    public mutating func convolutionalEncoder(_ images: String, _ encoder: ConvolutionalEncoder) -> String {
        let features = encoder.convolutions.reduce(images) { activation(conv2d($0, $1), .relu) }
        let channelLast = transpose(features, [0, 2, 3, 1])
        return activation(linear(rows(channelLast), encoder.linear), .relu)
    }

    /// Columns `range` of `input` `[N, F]` → `[N, range.count]` (`Slice` on axis 1).
    public mutating func columns(_ input: String, _ range: Range<Int>) -> String {
        apply("Slice", [input, integers([range.lowerBound], named: "starts"), integers([range.upperBound], named: "ends"),
                        integers([1], named: "axes")])
    }

    /// `input` with its axes in the order `permutation` (`Transpose` with `perm`).
    public mutating func transpose(_ input: String, _ permutation: [Int]) -> String {
        apply("Transpose", [input], [.ints("perm", permutation)])
    }

    /// `input` with the same values in `shape` (`Reshape`; one entry may be −1, the rest's quotient).
    public mutating func reshaped(_ input: String, _ shape: [Int]) -> String {
        apply("Reshape", [input, integers(shape, named: "shape")])
    }

    /// `input` reshaped to one row per batch entry, `[N, …]` → `[N, ∏…]` (`Flatten`).
    public mutating func rows(_ input: String) -> String {
        apply("Flatten", [input], [.int("axis", 1)])
    }

    /// `input` `[N, 1]` or `[N]` → `[N]`.
    public mutating func column(_ input: String) -> String {
        reshaped(input, [-1])
    }

    /// The constant holding a parameter's values, named and shaped as the parameter.
    public mutating func constant(_ parameter: Parameter) -> String {
        constant(parameter.entry.name, shape: parameter.entry.shape, floats: parameter.tensor.scalars)
    }

    /// A constant list of integers (the axes of `Squeeze`, the shape of `Reshape`), shared
    /// by every node that reads the same list: `<kind>_<values>`.
    public mutating func integers(_ values: [Int], named kind: String) -> String {
        let name = "\(kind)_" + values.map(String.init).joined(separator: "_")
        return initializers.contains { $0.name == name } ? name : constant(name, shape: [values.count], int64s: values.map(Int64.init))
    }
}

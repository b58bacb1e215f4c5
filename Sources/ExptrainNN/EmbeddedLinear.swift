import CVectorKernels
import ExptrainTensor

/// `Linear(Embedding(codes))` for grid observations, computed from per-code projections
/// instead of the embedded features, exactly (the same sums, grouped differently).
///
/// An observation has `cells` cells of `C` channels; each channel's code picks a row of
/// the shared table `E` `[R, D]` (`r = offset[c] + code`), and the features are those rows
/// side by side, `cells·C·D` wide. With the linear layer's `W` `[O, cells·C·D]` split into
/// `D`-wide blocks `W_{cell,c}`:
///
///     y = b + Σ_{cell, c} W_{cell,c} · E[r(cell, c)]
///       = b + Σ_{cell, c} P[r(cell, c), cell]          P[r, cell] = W_{cell,c(r)} · E[r]   (O values)
///
/// `P` `[R, cells, O]` costs `R·cells·D·O` multiply-adds (three sgemm calls, one per
/// channel), then each observation is `cells·C` row additions — instead of `cells·C·D·O`
/// multiply-adds per observation. The pullback goes through `P`:
///
///     dP[r, cell] = Σ over the observations' (cell, c) with row r of dy
///     dW_{cell,c(r)} += Σ_r dP[r, cell] ⊗ E[r],   dE[r] += Σ_cell W_{cell,c(r)}ᵀ · dP[r, cell],   db = Σ dy
///
/// ```swift
/// let lookup = EmbeddedLinear(cells: 49, codeCounts: [11, 6, 3], dimension: 8, outputSize: 64)
/// let y = lookup(rows: rows, batch: n, table: embedding.weight.tensor, weight: encoder.weight.tensor, bias: encoder.bias.tensor)
/// ```
public struct EmbeddedLinear: Sendable {
    /// Cells per observation.
    public let cells: Int
    /// Codes per channel; channel `c`'s rows of the table start at `rowOffsets[c]`.
    public let codeCounts: [Int]
    /// Where each channel's rows start in the table.
    public let rowOffsets: [Int]
    /// `D`, the length of a table row.
    public let dimension: Int
    /// `O`, the length of each output row.
    public let outputSize: Int

    /// The lookup for `cells` cells of `codeCounts.count` channels, rows `dimension` long, into `outputSize` outputs.
    public init(cells: Int, codeCounts: [Int], dimension: Int, outputSize: Int) {
        self.cells = cells
        self.codeCounts = codeCounts
        rowOffsets = Array(codeCounts.reduce(into: [0]) { $0.append($0.last! + $1) }.dropLast())
        self.dimension = dimension
        self.outputSize = outputSize
    }

    /// Channels per cell.
    public var channels: Int { codeCounts.count }
    /// `R`, rows in the table.
    public var tableRows: Int { codeCounts.reduce(0, +) }
    /// Table rows per observation (`cells·C`).
    public var rowsPerObservation: Int { cells * channels }
    /// Floats in the projection table `P`.
    public var projectionCount: Int { tableRows * cells * outputSize }
    /// Floats in `W` rearranged as `[C, D, cells, O]` (the weight's size).
    public var rearrangedWeightCount: Int { outputSize * cells * channels * dimension }

    /// Whether the lookup costs less than embedding `batch` observations and multiplying by
    /// `W`: building `P` costs about as much as the products of `tableRows / C` observations,
    /// plus rearranging `W`, so the lookup wins from batches of `tableRows` observations on.
    public func isCheaperThanEmbedding(batch: Int) -> Bool {
        batch >= tableRows
    }

    /// The table row of every code of `observations` (`[batch, cells·C]` codes, channel
    /// last) into `rows`, checking each code against its channel's count.
    public func tableRows(of observations: UnsafePointer<Float>, count: Int, into rows: UnsafeMutablePointer<Int32>) {
        let channels = channels
        precondition(count % channels == 0, "\(count) codes are not whole cells of \(channels) channels")
        let bad = codeCounts.withUnsafeBufferPointer { codeCounts in
            rowOffsets.withUnsafeBufferPointer { rowOffsets in
                exptrain_table_rows(observations, count, channels, codeCounts.baseAddress!, rowOffsets.baseAddress!, rows)
            }
        }
        precondition(bad < 0, "code \(observations[max(bad, 0)]) is outside channel \(max(bad, 0) % channels)'s 0..<\(codeCounts[max(bad, 0) % channels])")
    }

    /// `y` `[batch, O]` for the table rows `rows` (`[batch, cells·C]`), differentiable in
    /// `table`, `weight` and `bias`.
    public func callAsFunction(rows: [Int32], batch: Int, table: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
        precondition(rows.count == batch * rowsPerObservation, "\(rows.count) table rows for \(batch) observations of \(rowsPerObservation)")
        precondition(table.shape == [tableRows, dimension] && weight.shape == [outputSize, cells * channels * dimension] && bias.shape == [outputSize],
                     "EmbeddedLinear parameters do not fit \(cells) cells × \(codeCounts) codes × \(dimension) → \(outputSize)")
        let rearranged = Tensor.uninitialized([channels, dimension, cells, outputSize])
        let projections = Tensor.uninitialized([tableRows, cells, outputSize])
        let result = Tensor.uninitialized([batch, outputSize])
        rows.withUnsafeBufferPointer { rows in
            table.withUnsafeBufferPointer { e in
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { b in
                        rearranged.withUnsafeMutableBufferPointer { wt in
                            projections.withUnsafeMutableBufferPointer { p in
                                result.withUnsafeMutableBufferPointer { y in
                                    apply(rows: rows.baseAddress!, batch: batch, table: e.baseAddress!, weight: w.baseAddress!, bias: b.baseAddress!,
                                          output: y.baseAddress!, rearrangedWeight: wt.baseAddress!, projections: p.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        let inputs = [table, weight, bias]
        guard Tensor.shouldRecord(inputs) else { return result }
        result.recordGradient(inputs: inputs) { [self] _, gradient in
            let projectionGradient = Tensor.zeros([tableRows, cells, outputSize])
            projectionGradient.withUnsafeMutableBufferPointer { dp in
                rows.withUnsafeBufferPointer { rows in
                    scatter(gradient, rows: rows.baseAddress!, batch: batch, into: dp.baseAddress!)
                }
                if let biasGradient = bias.gradientAccumulator() {
                    BLAS.addColumnSums(gradient, rowCount: batch, columns: outputSize, into: biasGradient)
                }
                if let weightGradient = weight.gradientAccumulator() {
                    table.withUnsafeBufferPointer { e in
                        accumulateWeightGradient(dp.baseAddress!, table: e.baseAddress!, into: weightGradient)
                    }
                }
                if let tableGradient = table.gradientAccumulator() {
                    rearranged.withUnsafeBufferPointer { wt in
                        accumulateTableGradient(dp.baseAddress!, rearrangedWeight: wt.baseAddress!, into: tableGradient)
                    }
                }
            }
        }
        return result
    }

    /// The forward computation on raw buffers: `rearrangedWeight` (`rearrangedWeightCount`
    /// floats) and `projections` (`projectionCount`) are scratch, left holding `W` as
    /// `[C, D, cells, O]` and `P`, which the pullback reuses. The per-observation sums run on
    /// the wide vector unit where there is one, adding in the same order.
    public func apply(
        rows: UnsafePointer<Int32>, batch: Int, table: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, rearrangedWeight: UnsafeMutablePointer<Float>, projections: UnsafeMutablePointer<Float>
    ) {
        let (channels, d, o) = (channels, dimension, outputSize)
        // W[o, cell, c, k] → Wt[c, k, cell, o], so that each channel's block is one [D, cells·O] matrix.
        exptrain_rearrange_weight(weight, o, cells, channels, d, rearrangedWeight)
        // P[rows of channel c] = E[rows of c] · Wt[c]: [count_c, D] · [D, cells·O].
        for c in 0..<channels {
            BLAS.gemm(transposeA: false, transposeB: false, m: codeCounts[c], n: cells * o, k: d,
                      a: table + rowOffsets[c] * d, b: rearrangedWeight + c * d * cells * o, beta: 0,
                      c: projections + rowOffsets[c] * cells * o)
        }
        if VectorUnit.lanes > 0 {
            return exptrain_sum_projection_rows(VectorUnit.lanes, projections, rows, batch, cells, channels, o, bias, output)
        }
        let perObservation = rowsPerObservation
        for sample in 0..<batch {
            let y = output + sample * o
            y.update(from: bias, count: o)
            let sampleRows = rows + sample * perObservation
            for cell in 0..<cells {
                for c in 0..<channels {
                    let p = projections + (Int(sampleRows[cell * channels + c]) * cells + cell) * o
                    for out in 0..<o { y[out] += p[out] }
                }
            }
        }
    }

    /// `dP[r, cell] += dy[sample]` for every (sample, cell, c) whose row is `r`, on the wide
    /// vector unit where there is one (the same additions in the same order).
    private func scatter(_ gradient: UnsafePointer<Float>, rows: UnsafePointer<Int32>, batch: Int, into projectionGradient: UnsafeMutablePointer<Float>) {
        let (channels, o, perObservation) = (channels, outputSize, rowsPerObservation)
        if VectorUnit.lanes > 0 {
            return exptrain_scatter_projection_rows(VectorUnit.lanes, gradient, rows, batch, cells, channels, o, projectionGradient)
        }
        for sample in 0..<batch {
            let dy = gradient + sample * o
            let sampleRows = rows + sample * perObservation
            for cell in 0..<cells {
                for c in 0..<channels {
                    let dp = projectionGradient + (Int(sampleRows[cell * channels + c]) * cells + cell) * o
                    for out in 0..<o { dp[out] += dy[out] }
                }
            }
        }
    }

    /// `dW += …` through `P[c] = E[c] · Wt[c]`: `dWt[c] = E[c]ᵀ · dP[c]`, rearranged back to `W`'s layout.
    private func accumulateWeightGradient(_ projectionGradient: UnsafePointer<Float>, table: UnsafePointer<Float>, into weightGradient: UnsafeMutablePointer<Float>) {
        let (channels, d, o) = (channels, dimension, outputSize)
        let rearranged = UnsafeMutablePointer<Float>.allocate(capacity: rearrangedWeightCount)
        defer { rearranged.deallocate() }
        for c in 0..<channels {
            BLAS.gemm(transposeA: true, transposeB: false, m: d, n: cells * o, k: codeCounts[c],
                      a: table + rowOffsets[c] * d, b: projectionGradient + rowOffsets[c] * cells * o, beta: 0,
                      c: rearranged + c * d * cells * o)
        }
        exptrain_add_rearranged_weight(rearranged, o, cells, channels, d, weightGradient)
    }

    /// `dE[c] += dP[c] · Wt[c]ᵀ`: `[count_c, cells·O] · [cells·O, D]`.
    private func accumulateTableGradient(_ projectionGradient: UnsafePointer<Float>, rearrangedWeight: UnsafePointer<Float>, into tableGradient: UnsafeMutablePointer<Float>) {
        let (d, o) = (dimension, outputSize)
        for c in 0..<channels {
            BLAS.gemm(transposeA: false, transposeB: true, m: codeCounts[c], n: d, k: cells * o,
                      a: projectionGradient + rowOffsets[c] * cells * o, b: rearrangedWeight + c * d * cells * o, beta: 1,
                      c: tableGradient + rowOffsets[c] * d)
        }
    }
}

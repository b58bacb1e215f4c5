import COpenBLAS
import ExptrainNN

/// Adam's step and global-norm clipping per parameter, at the sizes of the built-in models
/// (cartpole 9,155; minigrid 76,008) and at 1M, next to `cblas_saxpy` over the same
/// gradient buffer: one streaming pass, the floor for any element-wise optimiser. An
/// Adam step reads 4 and writes 3 buffers, so a few saxpy-times is what it should cost.
func optimizerCosts() {
    for count in [9_155, 76_008, 1_000_000] {
        let store = flatStore(count: count)
        store.withGradients { gradients in
            for i in gradients.indices { gradients[i] = Float(i % 7) * 1e-3 }
        }
        let adam = Adam(learningRate: 1e-4, eps: 1e-5)
        var scratch = [Float](repeating: 0, count: count)
        let times = compare({
            adam.step(parameters: store, learningRate: 1e-4)
        }, reference: {
            store.withGradients { gradients in
                scratch.withUnsafeMutableBufferPointer { y in
                    cblas_saxpy(blasint(count), 1e-4, gradients.baseAddress, 1, y.baseAddress, 1)
                }
            }
        })
        report("adam_step_\(count)_parameters", value: times.ours * 1e9 / Double(count), unit: "ns/parameter",
               reference: times.reference * 1e9 / Double(count), ratio: times.ours / times.reference,
               extra: ["reference_source": "cblas_saxpy over the same number of floats, same run",
                       "note": "Adam.step on a flat store of \(count) parameters: \(json(times.ours * 1e6)) µs per step"])
        let clip = median(secondsPerCall { _ = clipGlobalNorm(store, maxNorm: 1e9) })
        report("clip_global_norm_\(count)_parameters", value: clip * 1e9 / Double(count), unit: "ns/parameter",
               reference: times.reference * 1e9 / Double(count), ratio: clip / times.reference,
               extra: ["reference_source": "cblas_saxpy over the same number of floats, same run",
                       "note": "clipGlobalNorm (norm only; no scaling needed): \(json(clip * 1e6)) µs"])
    }
}

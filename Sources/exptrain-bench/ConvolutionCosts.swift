import ExptrainNN
import ExptrainRandom
import ExptrainTensor

/// The convolutional encoders' training cost: UInt8 images scaled by 1/255 as the model
/// reads them (`ObservationBatch.scaledBytes`), the encoder forward, `Σ w ⊙ y`, and
/// backward into the flat gradient buffer, at batch 128: the Nature-CNN on 84×84×4 frames
/// and MinAtar's network on 10×10×4. The median milliseconds of `rounds` repetitions per
/// encoder; scripts/bench.sh times PyTorch's same networks (scripts/bench/torch_conv.py)
/// in alternation with it.
func convolutionEncoderCosts(rounds: Int, using generator: inout RandomGenerator) -> [(name: String, milliseconds: Double)] {
    let batch = 128
    let cases: [(String, ConvolutionalArchitecture, [Int])] = [
        ("nature_cnn", .natureCNN, [84, 84, 4]),
        ("minatar_cnn", .minAtar, [10, 10, 4]),
    ]
    return cases.map { name, architecture, imageShape in
        let store = ParameterStore()
        var layerGenerator = RandomGenerator(seed: 5)
        let encoder = ConvolutionalEncoder(imageShape: imageShape, architecture: architecture, name: "network", parameters: store, generator: &layerGenerator)
        let imageSize = imageShape.reduce(1, *)
        let bytes = (0..<(batch * imageSize)).map { _ in UInt8(generator.nextInt(below: 256)) }
        let observations = ObservationBatch(floats: Tensor.zeros([batch, 0]), bytes: bytes)
        let outputWeights = Tensor.randomNormal([batch, encoder.outputSize], using: &generator)
        let step = {
            let images = observations.scaledBytes(0..<imageSize, scale: 1 / 255).reshaped([batch] + imageShape)
            store.zeroGradients()
            (encoder(images) * outputWeights).sum().backward()
        }
        step()
        let clock = ContinuousClock()
        let times = (0..<rounds).map { _ in seconds(clock.measure(step)) }
        return (name, median(times) * 1e3)
    }
}

import ExptrainExperiment
import ExptrainNN
import ExptrainRandom
import ExptrainTasks
import ExptrainTensor

/// What the pieces of minigrid-empty-ppo cost on one rank, each timed on its own at the
/// experiment's sizes (8 environments × 32 steps, 4 minibatches of 64 steps, 4 epochs,
/// feed-forward embedding model with 64 units): a new task from the sampler, a task
/// step, the rollout forward of 8 environments, and an update's forward + backward and
/// optimiser step. With the measured episode length they give the expected frames per
/// second, and show which piece bounds it.
func miniGridCosts() {
    let model = RecurrentActorCritic(
        observationShape: [7, 7, 3], actionCount: 7, embedding: .miniGrid(dimension: 8), hiddenSize: 64,
        activation: .relu, recurrent: false, seed: 1)
    let sampler = MiniGridTaskSampler(environment: .emptyRandom5x5, seed: 3)
    var generator = RandomGenerator(seed: 4)

    let newTask = median(secondsPerCall { _ = sampler.nextTask() })
    var task = sampler.nextTask()!
    let step = median(secondsPerCall {
        if task.isDone { task = sampler.nextTask()! }
        _ = try! task.step(action: .discrete(generator.nextInt(below: 3)))  // left, right, forward
    })

    let environments = 8
    let observations = ObservationBatch(floats: Tensor(
        shape: [environments, 147], values: (0..<environments).flatMap { _ in sampler.nextTask()!.currentObservation.floats }))
    let masks = Tensor(shape: [environments], repeating: 1)
    let noHidden = Tensor.zeros([environments, 0])
    let rolloutForward = median(secondsPerCall {
        let output = withoutGradients {
            model.forward(observations: observations, masks: masks, hidden: noHidden, steps: 1, environments: environments)
        }
        _ = output.distribution.sample(using: &generator)
    })

    let batch = 64
    let batchObservations = ObservationBatch(floats: Tensor(
        shape: [batch, 147], values: (0..<batch).flatMap { _ in sampler.nextTask()!.currentObservation.floats }))
    let batchActions = Tensor(shape: [batch, 1], values: (0..<batch).map { _ in Float(generator.nextInt(below: 7)) })
    let returns = Tensor.randomNormal([batch], using: &generator)
    let optimizer = Adam(learningRate: 1e-3, eps: 1e-5)
    let minibatch = median(secondsPerCall {
        let output = model.forward(
            observations: batchObservations, masks: Tensor(shape: [batch], repeating: 1),
            hidden: Tensor.zeros([batch, 0]), steps: 1, environments: batch)
        let policy = output.distribution
        let loss = -policy.logProbability(of: batchActions).mean() + 0.5 * (output.values - returns).squared().mean()
            - 0.01 * policy.entropy().mean()
        model.parameters.zeroGradients()
        loss.backward()
    })
    let optimizerStep = median(secondsPerCall {
        _ = clipGlobalNorm(model.parameters, maxNorm: 0.5)
        optimizer.step(parameters: model.parameters, learningRate: 1e-3)
    })

    let note = "minigrid-empty-ppo pieces, 1 process, median"
    report("minigrid_new_task", value: newTask * 1e6, unit: "µs", extra: ["note": "\(note): MiniGridTaskSampler.nextTask() (Empty-Random-5x5)"])
    report("minigrid_task_step", value: step * 1e6, unit: "µs", extra: ["note": "\(note): MiniGridTask.step (random turn/forward)"])
    report("minigrid_rollout_forward_batch8", value: rolloutForward * 1e6, unit: "µs",
           extra: ["note": "\(note): forward of 8 environments without gradients + sampling"])
    report("minigrid_minibatch_forward_backward_64", value: minibatch * 1e6, unit: "µs",
           extra: ["note": "\(note): forward, loss, backward on a minibatch of 64 steps"])
    report("minigrid_optimizer_step", value: optimizerStep * 1e6, unit: "µs",
           extra: ["note": "\(note): clipGlobalNorm + Adam on \(model.parameters.count) parameters"])
    // Per update of one rank: 256 env steps = 32 batched forwards, 256 task steps, one new
    // task per episode, 16 minibatches and optimiser steps.
    for episodeLength in [4.0, 20.0] {
        let update = 32 * rolloutForward + 256 * step + 256 / episodeLength * newTask + 16 * (minibatch + optimizerStep)
        report("minigrid_expected_steps_per_second_episode_length_\(Int(episodeLength))", value: 256 / update, unit: "env steps/s",
               extra: ["note": "256 ÷ (32 forwards + 256 task steps + 256/\(Int(episodeLength)) new tasks + 16 × (minibatch + optimiser)), one rank; update shares: rollout forward \(Int(100 * 32 * rolloutForward / update))%, task steps \(Int(100 * 256 * step / update))%, new tasks \(Int(100 * 256 / episodeLength * newTask / update))%, minibatches \(Int(100 * 16 * minibatch / update))%, optimiser \(Int(100 * 16 * optimizerStep / update))%"])
    }
}

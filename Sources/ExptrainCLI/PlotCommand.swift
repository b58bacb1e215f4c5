import ArgumentParser
import ExptrainExperiment
import ExptrainMetricsLog
import Foundation

/// `exptrain plot RUN_FOLDER… --out FILE.svg`: the learning curves of several runs (seeds,
/// world sizes) in one SVG picture, from their `metrics.jsonl`. No MPI, no experiment.
struct PlotCommand: RunnableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw the learning curves of runs (their metrics.jsonl) in one SVG picture.",
        discussion: """
            One panel for episode_return_mean100 and, when a run has it, one for success_mean100, \
            against global steps; one colour per run. Each training run also draws its own curves.svg.
            """
    )

    @Argument(help: ArgumentHelp("Run folders (<output-dir>/<tag>/<start time>), or their metrics.jsonl files.", valueName: "run-folder"))
    var runFolders: [String]

    @Option(name: .long, help: ArgumentHelp("The SVG file to write.", valueName: "file.svg"))
    var out: String

    func execute(registry: ExperimentRegistry) throws {
        let folders = runFolders.map { $0.hasSuffix("/metrics.jsonl") ? String($0.dropLast("/metrics.jsonl".count)) : $0 }
        var runs: [RunCurves] = []
        for folder in folders {
            guard FileManager.default.fileExists(atPath: folder + "/metrics.jsonl") else {
                throw ExptrainError.usage("\(folder) has no metrics.jsonl; pass run folders that training wrote")
            }
            do {
                runs.append(try RunCurves(runFolder: folder))
            } catch {
                throw ExptrainError.usage(error.message)
            }
        }
        // Runs of the same tag and start time from different output folders: their paths tell them apart.
        if Set(runs.map(\.label)).count < runs.count {
            for index in runs.indices { runs[index].label = folders[index] }
        }
        do {
            try LearningCurvesPicture(runs: runs).write(to: out)
        } catch {
            throw ExptrainError(.failure, error.message)
        }
        print("wrote \(out): \(runs.count) run(s)")
    }
}

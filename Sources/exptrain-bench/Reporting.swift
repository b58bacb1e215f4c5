import ExptrainMPI

/// Which process prints figures: all of them alone, rank 0 under mpirun.
enum Reporting {
    nonisolated(unsafe) static var isReportingProcess = true

    /// The MPI world, initialised on first use by a group that needs it; rank 0 reports.
    static func world() -> Communicator {
        do {
            let world = try Communicator.world()
            isReportingProcess = world.rank == 0
            return world
        } catch {
            fatalError("exptrain-bench: MPI: \(error)")
        }
    }
}

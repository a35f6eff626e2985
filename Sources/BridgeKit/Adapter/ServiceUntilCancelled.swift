import Logging
import ServiceLifecycle

/// Runs a service an adapter owns (its own HTTP listener: the webhook
/// hooks, the Matrix application service API) inside the adapter's task:
/// until that task is cancelled, then shut down gracefully, so requests in
/// flight are answered (for up to `gracePeriod`) rather than dropped.
public enum ServiceUntilCancelled {
    public static func run(_ service: some Service, logger: Logger, gracePeriod: Duration = .seconds(3)) async throws {
        var configuration = ServiceGroupConfiguration(services: [service], logger: logger)
        configuration.maximumGracefulShutdownDuration = gracePeriod
        let group = ServiceGroup(configuration: configuration)
        let running = Task.detached { try await group.run() }
        try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }
}

// kura — a self-hosted encrypted container registry.
// InternalErrorLog: the one log line of a 500 or a 503, with its request id.

package import Hummingbird
package import Logging

/// The id Hummingbird gives each request (in its logger's metadata), which a 500 names.
package func requestID(_ logger: Logger) -> String {
    logger[metadataKey: "hb.request.id"]?.description ?? "-"
}

/// Logs a failure that will leave as a 500, with the request id the context's logger carries:
/// no 500 leaves without its cause in the log.
package func logInternalError(_ error: any Error, plane: String, request: Request, logger: Logger) {
    log(error, as: "internal error", level: .error, plane: plane, request: request, logger: logger)
}

/// Logs a store that could not serve (a 503: the database unreachable, refusing, or holding what
/// it cannot read), with the request id: the client is told only that it may retry.
package func logUnavailable(_ error: any Error, plane: String, request: Request, logger: Logger) {
    log(error, as: "store unavailable", level: .warning, plane: plane, request: request, logger: logger)
}

private func log(_ error: any Error, as message: Logger.Message, level: Logger.Level, plane: String, request: Request, logger: Logger) {
    logger.log(level: level, message, metadata: ["plane": .string(plane), "method": .string(request.method.rawValue),
                                              "path": .string(String(request.uri.path.prefix(256))),
                                              "error": .string(String(String(reflecting: error).prefix(1024)))])
}

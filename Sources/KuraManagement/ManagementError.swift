// kura — a self-hosted encrypted container registry.
// ManagementError: the management plane's failures, in ARM's codes and statuses.

import Foundation

/// A failed ARM request: an HTTP status and ARM's `{"error":{"code","message"}}` content.
/// The server renders it in one place; services only choose the case.
public struct ManagementError: Error, Equatable, Sendable, CustomStringConvertible {
    /// HTTP status code.
    public let status: Int
    /// ARM's error code, e.g. `ResourceGroupNotFound`.
    public let code: String
    public let message: String

    public init(status: Int, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "(\(code)) \(message)" }

    public static func resourceGroupNotFound(_ name: String) -> ManagementError {
        ManagementError(status: 404, code: "ResourceGroupNotFound", "Resource group '\(name)' could not be found.")
    }

    public static func resourceNotFound(type: String, name: String, group: String?) -> ManagementError {
        ManagementError(status: 404, code: "ResourceNotFound",
                        "The Resource '\(type)/\(name)' under resource group '\(group ?? "-")' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    }

    public static func invalidParameter(_ message: String) -> ManagementError {
        ManagementError(status: 400, code: "InvalidParameter", message)
    }

    public static func badRequest(_ message: String) -> ManagementError {
        ManagementError(status: 400, code: "BadRequest", message)
    }

    public static func invalidRequestContent(_ message: String) -> ManagementError {
        ManagementError(status: 400, code: "InvalidRequestContent", message)
    }

    public static func conflict(_ message: String) -> ManagementError {
        ManagementError(status: 409, code: "Conflict", message)
    }

    public static func authorizationFailed(principal: String, action: String, scope: String) -> ManagementError {
        ManagementError(status: 403, code: "AuthorizationFailed",
                        "The client '\(principal)' with object id '\(principal)' does not have authorization to perform action '\(action)' over scope '\(scope)' or the scope is invalid. If access was recently granted, please refresh your credentials.")
    }

    /// ARM's refusal when a write links a resource the caller may not use (e.g. assigning a
    /// user-assigned identity needs `…/assign/action` on that identity).
    public static func linkedAuthorizationFailed(principal: String, action: String, linkedAction: String, scope: String,
                                                 linkedScope: String) -> ManagementError {
        ManagementError(status: 403, code: "LinkedAuthorizationFailed",
                        "The client '\(principal)' with object id '\(principal)' has permission to perform action '\(action)' on scope '\(scope)'; however, it does not have permission to perform action(s) '\(linkedAction)' on the linked scope(s) '\(linkedScope)' (respectively) or the linked scope(s) are invalid.")
    }

    /// 412: an `If-Match` / `If-None-Match` condition does not hold.
    public static func preconditionFailed(_ message: String) -> ManagementError {
        ManagementError(status: 412, code: "PreconditionFailed", message)
    }

    /// 409: another request created or changed the resource while this one was being applied;
    /// nothing of this one was stored.
    public static func concurrentWrite(name: String) -> ManagementError {
        ManagementError(status: 409, code: "Conflict",
                        "Another request created or changed '\(name)' at the same time; this request changed nothing. Read the resource and retry.")
    }

    public static func missingAPIVersion() -> ManagementError {
        ManagementError(status: 400, code: "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required for all requests.")
    }

    public static func noRoute(_ path: String) -> ManagementError {
        ManagementError(status: 404, code: "NoRegisteredProviderFound", "No registered resource provider found for the request path '\(path)'.")
    }
}

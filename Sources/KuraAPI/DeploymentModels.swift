// kura — a self-hosted encrypted container registry.
// DeploymentModels: Microsoft.Resources/deployments — a deployment, its operations, its status.

import Foundation

/// `…/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}`.
public typealias Deployment = ARMProxyResource<DeploymentProperties>

public struct DeploymentProperties: Codable, Sendable, Equatable {
    /// `Accepted`, `Running`, `Succeeded`, `Failed` or `Canceled`; `mode` is `Incremental` or `Complete`.
    public var provisioningState, mode: String
    /// ISO 8601 of the last change; `duration` an ISO 8601 duration (`PT1.5S`).
    public var timestamp, duration: String
    public var correlationId: String
    public var templateHash: String?
    /// As given; a secure parameter shows only its type (`{"type": "SecureString"}`).
    public var parameters: JSONValue?
    /// The template's `outputs`, evaluated (when the deployment succeeded).
    public var outputs: JSONValue?
    public var outputResources: [DeploymentResourceReference]
    /// Why it failed: `DeploymentFailed` with one detail per failed operation.
    public var error: DeploymentErrorDetail?
}

/// A resource a deployment wrote.
public struct DeploymentResourceReference: Codable, Sendable, Equatable {
    public var id: String
}

/// ARM's error shape inside deployments (details nest).
public struct DeploymentErrorDetail: Codable, Sendable, Equatable {
    public var code, message: String
    public var details: [DeploymentErrorDetail]?

    public static func of(code: String, message: String, details: [DeploymentErrorDetail]? = nil) -> DeploymentErrorDetail {
        DeploymentErrorDetail(code: code, message: message, details: details)
    }
}

/// `GET …/deployments/{name}/operations`: one per resource the deployment applied or tried.
public struct DeploymentOperation: Codable, Sendable, Equatable {
    public struct Target: Codable, Sendable, Equatable {
        public var id, resourceType, resourceName: String
    }

    public struct Properties: Codable, Sendable, Equatable {
        /// `Running`, `Succeeded` or `Failed`; `statusCode` the plane's HTTP status name (`Created`, `OK`, `BadRequest`).
        public var provisioningState, timestamp, statusCode: String
        public var targetResource: Target
        /// The plane's error, when it failed.
        public var statusMessage: DeploymentErrorDetail?
    }

    /// `{deployment id}/operations/{operationId}`.
    public var id, operationId: String
    public var properties: Properties

    public static func of(deployment: String, index: Int, state: String, statusCode: String, timestamp: String, target: (id: String, type: String, name: String),
                          error: DeploymentErrorDetail?) -> DeploymentOperation {
        let hex = String(index + 1, radix: 16, uppercase: true)
        let operationID = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        return DeploymentOperation(id: "\(deployment)/operations/\(operationID)", operationId: operationID,
                                   properties: Properties(provisioningState: state, timestamp: timestamp, statusCode: statusCode,
                                                          targetResource: Target(id: target.id, resourceType: target.type, resourceName: target.name),
                                                          statusMessage: error))
    }
}

/// What `Azure-AsyncOperation` answers while a deployment runs and once it ends.
public struct DeploymentOperationStatus: Codable, Sendable, Equatable {
    /// `Running`, then `Succeeded`, `Failed` or `Canceled`.
    public var status: String
    public var error: DeploymentErrorDetail?

    public static func of(_ status: String, error: DeploymentErrorDetail? = nil) -> DeploymentOperationStatus {
        DeploymentOperationStatus(status: status, error: error)
    }
}

/// `POST …/deployments/{name}/whatIf`: what the template would change.
public struct WhatIfResult: Codable, Sendable, Equatable {
    public struct Change: Codable, Sendable, Equatable {
        /// `Create`, `Modify`, `NoChange` (an existing vault key) or `Delete` (Complete mode).
        public var resourceId, changeType: String
        /// The body the deployment would PUT.
        public var after: JSONValue?
    }

    public struct Properties: Codable, Sendable, Equatable {
        public var changes: [Change]
    }

    public var status: String
    public var properties: Properties

    public static func succeeded(_ changes: [(id: String, type: String, after: JSONValue?)]) -> WhatIfResult {
        WhatIfResult(status: "Succeeded", properties: Properties(changes: changes.map { Change(resourceId: $0.id, changeType: $0.type, after: $0.after) }))
    }
}

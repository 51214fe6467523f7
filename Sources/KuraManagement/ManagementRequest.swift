// kura — a self-hosted encrypted container registry.
// ManagementRequest / ManagementReply: an ARM call and its answer, free of HTTP types.

public import KuraAPI
import Foundation
public import KuraCore
public import KuraDirectory

/// One authenticated ARM request.
public struct ManagementRequest: Sendable {
    /// `GET`, `PUT`, `PATCH`, `DELETE`, `POST`, `HEAD`.
    public let method: String
    public let path: String
    /// Decoded query parameters (`api-version`, `$filter`, ...).
    public let query: [String: String]
    /// The parsed JSON body; nil when the request had none.
    public let body: JSONValue?
    public let caller: ManagementCaller
    /// `If-Match`: the write applies only to the resource version with this ETag (`*`: any existing one).
    public let ifMatch: String?
    /// `If-None-Match`: `*` makes a PUT create-only.
    public let ifNoneMatch: String?

    public init(method: String, path: String, query: [String: String], body: JSONValue?, caller: ManagementCaller,
                ifMatch: String? = nil, ifNoneMatch: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.caller = caller
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
    }

    public var apiVersion: String? { query["api-version"] }

    /// The same request for `path`.
    func withPath(_ path: String) -> ManagementRequest {
        ManagementRequest(method: method, path: path, query: query, body: body, caller: caller, ifMatch: ifMatch, ifNoneMatch: ifNoneMatch)
    }
}

/// Who is calling: the token's principal and its role assignments.
public struct ManagementCaller: Sendable {
    public let objectID: String
    public let grants: PrincipalGrants

    public init(objectID: String, grants: PrincipalGrants) {
        self.objectID = objectID
        self.grants = grants
    }

    /// - Throws: ``ManagementError`` `AuthorizationFailed` unless a role allows `action` at `scope`.
    public func authorize(_ action: String, at scope: ResourceID) throws {
        guard grants.allows(action: action, at: scope) else {
            throw ManagementError.authorizationFailed(principal: objectID, action: action, scope: scope.description)
        }
    }

    /// Whether the caller may read the resource `id` (for filtering lists).
    public func canRead(_ id: ResourceID) -> Bool {
        grants.allows(action: "\(id.type)/read", at: id)
    }
}

/// The answer to a ``ManagementRequest``.
public struct ManagementReply: Sendable, Equatable {
    public let status: Int
    /// nil for an empty body.
    public let body: JSONValue?
    public var headers: [String: String]

    public init(status: Int, body: JSONValue?, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    public static func ok(_ body: JSONValue) -> ManagementReply { ManagementReply(status: 200, body: body) }

    /// 200 with `document` as `Model` writes it (the `KuraAPI` model of what is answered).
    public static func ok<Model: Codable>(_ document: JSONValue, as model: Model.Type) throws -> ManagementReply {
        .ok(try document.reshaped(as: model))
    }

    /// 201 for a new resource, 200 for a replaced one.
    public static func put(_ body: JSONValue, created: Bool) -> ManagementReply {
        ManagementReply(status: created ? 201 : 200, body: body)
    }

    /// `{"value": [...]}`.
    public static func list(_ items: [JSONValue]) -> ManagementReply { ManagementReply(status: 200, body: ["value": .array(items)]) }

    public static let noContent = ManagementReply(status: 204, body: nil)
}

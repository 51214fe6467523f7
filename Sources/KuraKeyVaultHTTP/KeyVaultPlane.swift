// kura — a self-hosted encrypted container registry.
// KeyVaultPlane: `{vault}.vault.<suffix>` — the handshake, token check, routing, errors and audit.

package import KuraHTTP
import Foundation
package import KuraAPI
import HTTPTypes
package import Hummingbird
import KuraCore
package import KuraDirectory
package import KuraKeyVault
package import Logging
package import Metrics
import NIOCore

/// The Key Vault plane of every vault. A request without a token gets the 401 challenge before
/// its body is read; a token must be for the vault audience and this tenant. Every authenticated
/// request to an existing vault — refused ones (403, 404, 400 …) included — is appended to that
/// vault's audit log, as Azure's `AuditEvent` logs record a caller. A request without a valid
/// token is not: anyone can send one, and an entry is a durable write, so the log would be a disk
/// anyone may fill. Those are counted instead, in
/// `kura_vault_unauthenticated_requests_total{reason="missing"|"invalid"}` on `/metrics` (the SDKs'
/// first request to a vault, the challenge, is one with `reason="missing"`).
package struct KeyVaultPlane: Sendable {
    package let vaults: any VaultDirectory
    package let service: KeyVaultService
    package let audit: AuditLog
    package let authority: TokenAuthority
    package let endpoints: InstallationEndpoints
    package let access: AccessControl

    package init(vaults: any VaultDirectory, service: KeyVaultService, audit: AuditLog, authority: TokenAuthority,
                 endpoints: InstallationEndpoints, access: AccessControl) {
        self.vaults = vaults
        self.service = service
        self.audit = audit
        self.authority = authority
        self.endpoints = endpoints
        self.access = access
    }

    /// Largest accepted request body (a backup blob of a key with many versions fits).
    package static let maximumBody = 4 << 20
    /// Requests to an existing vault answered without a verified caller: no bearer token.
    package let unauthenticatedWithoutToken = Counter(label: KeyVaultPlane.unauthenticatedMetric, dimensions: [("reason", "missing")])
    /// … or a bearer token that does not verify (forged, expired, another audience or tenant).
    package let unauthenticatedWithInvalidToken = Counter(label: KeyVaultPlane.unauthenticatedMetric, dimensions: [("reason", "invalid")])
    package static let unauthenticatedMetric = "kura_vault_unauthenticated_requests_total"

    package func respond(to request: Request, vaultName: String, context: KuraRequestContext) async -> Response {
        let started = audit.clock.now()
        var caller: AccessTokenClaims?
        var route: KeyVaultRoute?
        var keyVersion: String?
        var vaultFound = false
        var auditedWithTheChange = false
        let response: Response
        do {
            guard var vault = try await vaults.vault(named: vaultName) else {
                throw KeyVaultError(status: 404, code: "VaultNotFound", "No vault named '\(vaultName)' exists in this installation.")
            }
            vaultFound = true
            route = try? KeyVaultRoute(method: request.method.rawValue, path: request.uri.path)
            let claims = try await authenticate(request)
            caller = claims
            guard let version = request.uri.queryParameters["api-version"].map(String.init), Self.isAPIVersion(version) else {
                throw KeyVaultError.badParameter("The 'api-version' query parameter is missing or not a Key Vault version (e.g. 7.6 or 2025-07-01).")
            }
            _ = version
            let parsed = try KeyVaultRoute(method: request.method.rawValue, path: request.uri.path)
            route = parsed
            // A change writes its own entry in its transaction: never a change without its entry,
            // never a retried create or rotate because an entry written afterwards failed.
            vault.audit = audit.begin(AuditLog.Event(vault: vaultName, callerObjectID: claims.oid, callerAppID: claims.appid,
                                                     clientAddress: context.clientAddress, operation: parsed.auditName,
                                                     keyName: parsed.keyName, keyVersion: nil, resultCode: 0, durationMilliseconds: 0),
                                     started: started)
            let vaultCaller = VaultCaller(objectID: claims.oid, appID: claims.appid, address: context.clientAddress,
                                          grants: try await access.grants(of: claims.oid))
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            let reply = try await service.handle(parsed, body: try await body(of: request), query: query, vault: vault, caller: vaultCaller)
            keyVersion = reply.keyVersion
            auditedWithTheChange = reply.audited
            response = Self.render(reply)
        } catch {
            response = errorResponse(error, request: request, logger: context.logger)
        }
        guard vaultFound, !auditedWithTheChange else { return response }
        guard let caller else {
            // Not audited (see the type's note): counted.
            if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
                unauthenticatedWithInvalidToken.increment()
            } else {
                unauthenticatedWithoutToken.increment()
            }
            return response
        }
        // A path that names no operation is recorded as given; AuditLog.Event bounds it (512 bytes)
        // and every other free-text field, so one entry stays small whatever the request was.
        let event = AuditLog.Event(vault: vaultName, callerObjectID: caller.oid, callerAppID: caller.appid,
                                   clientAddress: context.clientAddress, operation: route?.auditName ?? "\(request.method) \(request.uri.path)",
                                   keyName: route?.keyName, keyVersion: keyVersion, resultCode: Int(response.status.code),
                                   durationMilliseconds: Int64(audit.clock.now().timeIntervalSince(started) * 1000))
        do {
            try await audit.append(event)
        } catch {
            // An operation whose audit entry cannot be written is not reported as done.
            return errorResponse(KeyVaultError(status: 503, code: "ServiceUnavailable", "The audit log could not be written; retry the operation."))
        }
        return response
    }

    /// Verifies the bearer token before anything else (the SDKs' first request has no token and no body).
    package func authenticate(_ request: Request) async throws -> AccessTokenClaims {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { throw KeyVaultError.missingToken }
        do {
            return try await authority.verify(String(header.dropFirst(7)),
                                              audiences: [endpoints.vaultAudience, endpoints.vaultAudience + "/"])
        } catch {
            throw KeyVaultError.invalidToken("\(error)")
        }
    }

    package func body(of request: Request) async throws -> JSONValue? {
        var mutable = request
        let bytes = try await mutable.collectBody(upTo: Self.maximumBody)
        guard bytes.readableBytes > 0 else { return nil }
        do {
            return try JSONValue(parsing: bytes.readableBytesView, maximumDepth: JSONValue.requestDepth)
        } catch {
            throw KeyVaultError.badParameter("The request body is not valid JSON.")
        }
    }

    /// Key Vault versions: `7.6`, `7.6-preview.2`, `2025-07-01`, `2026-01-01-preview`.
    package static func isAPIVersion(_ text: String) -> Bool {
        text.range(of: #"^(\d+\.\d+(-preview(\.\d+)?)?|\d{4}-\d{2}-\d{2}(-preview)?)$"#, options: .regularExpression) != nil
    }

    package static func render(_ reply: KeyVaultService.Reply) -> Response {
        guard let answer = reply.answer else { return Response(status: HTTPResponse.Status(code: reply.status)) }
        return Response(status: HTTPResponse.Status(code: reply.status), headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: WireJSON.encode(answer))))
    }

    /// Key Vault's error envelope; 401s carry the challenge naming the login endpoint and the vault resource.
    package func errorResponse(_ error: any Error, request: Request? = nil, logger: Logger? = nil) -> Response {
        let failure: KeyVaultError
        switch error {
        case let error as KeyVaultError: failure = error
        case let error where RequestFault(error) == .tooLarge:
            failure = KeyVaultError(status: 413, code: "RequestTooLarge", "The request body is larger than \(Self.maximumBody) bytes.")
        case let error where RequestFault(error) != nil:
            failure = KeyVaultError.badParameter(RequestFault(error)!.message)
        case let error as StoreError where error.code == .unavailable:
            var message = "The vault's store is unavailable."
            if let request, let logger {
                logUnavailable(error, plane: "vault", request: request, logger: logger)
                message += " Retry the request (request id \(requestID(logger)))."
            }
            failure = KeyVaultError(status: 503, code: "ServiceUnavailable", message)
        default:
            var message = "The operation failed inside the vault."
            if let request, let logger {
                logInternalError(error, plane: "vault", request: request, logger: logger)
                message += " The server log has the cause under request id \(requestID(logger))."
            }
            failure = KeyVaultError(status: 500, code: "InternalError", message)
        }
        let body = AzureErrorBody(code: failure.code, message: failure.message, innerCode: failure.innerCode)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if failure.status == 401 {
            headers[.wwwAuthenticate] = "Bearer authorization=\"\(endpoints.main)/\(authority.tenantID)\", resource=\"\(endpoints.vaultAudience)\""
        }
        return Response(status: HTTPResponse.Status(code: failure.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: WireJSON.encode(body))))
    }
}

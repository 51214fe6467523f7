// kura — a self-hosted encrypted container registry.
// OCIError: the OCI Distribution error envelope, the registry plane's one place where errors become responses.

import Foundation
import KuraAPI
import HTTPTypes
import Hummingbird
import KuraCore
import KuraCrypto
package import KuraHTTP
import KuraRegistry
import NIOCore

/// The OCI Distribution envelope (`{"errors":[{"code","message","detail"}]}`).
package enum OCIEnvelope: ErrorEnvelope {
    package static func body(code: String, message: String) -> [UInt8] {
        WireJSON.encode(OCIErrorBody(code: code, message: message))
    }
}

/// An error in the OCI envelope: the registry plane's one place where errors become responses.
/// Any error maps to a code here (one of the spec's: `NAME_UNKNOWN`, `BLOB_UNKNOWN`, `DENIED`, …),
/// so a storage or crypto failure never leaks as an unformatted 500.
package typealias OCIError = WireError<OCIEnvelope>

extension WireError where Envelope == OCIEnvelope {
    package init(_ error: any Error) {
        switch error {
        case let error as OCIError:
            self = error
        case let error as RegistryError:
            self.init(status: HTTPResponse.Status(code: error.code.status), code: error.code.name, message: error.message)
            if let challenge = error.detail?["WWW-Authenticate"] { headers[.wwwAuthenticate] = challenge }
        case let error as BlobStoreError where error.code == .notFound:
            self.init(status: .notFound, code: "BLOB_UNKNOWN", message: error.message)
        case let error as BlobStoreError where error.code == .invalidRange:
            self.init(status: .rangeNotSatisfiable, code: "RANGE_INVALID", message: error.message)
        case let error as StoreError where error.code == .unavailable:
            self.init(status: .serviceUnavailable, code: "UNAVAILABLE", message: "the metadata store is unavailable")
        case let error as StoreError where error.code == .conflict || error.code == .preconditionFailed:
            // A concurrent request changed the same thing first: nothing of this one was stored.
            self.init(status: .conflict, code: "UNAVAILABLE", message: "a concurrent request changed this first; retry: \(error.message)")
        case let error as CryptoFailure:
            self.init(status: .internalServerError, code: "UNKNOWN", message: "stored data failed its integrity check: \(error)")
        case let error where RequestFault(error) != nil:
            let fault = RequestFault(error)!
            self.init(status: fault.status, code: fault == .tooLarge ? "SIZE_INVALID" : "UNSUPPORTED", message: fault.message)
        case let error as HTTPError:
            self.init(status: error.status, code: "UNSUPPORTED", message: error.body ?? error.status.reasonPhrase)
        default:
            self.init(status: .internalServerError, code: "UNKNOWN", message: "internal error")
        }
    }
}

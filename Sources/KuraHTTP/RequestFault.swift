// kura — a self-hosted encrypted container registry.
// RequestFault: a failure of the request itself (too large, malformed, abandoned), 4xx on every plane.

package import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOSSL

/// A failure of the request itself, not of kura: a body over the route's limit, HTTP framing the
/// parser refused while the body was read (a malformed chunk, a chunk size that overflows), or a
/// client that dropped the connection before its body ended. Every plane answers these 4xx in its
/// own envelope, and none is logged as an internal error.
package enum RequestFault: Equatable {
    /// 413: the body is larger than the route accepts.
    case tooLarge
    /// 400: the body's framing is malformed.
    case malformed(String)
    /// 400: the client closed the connection (without TLS's close_notify) before its body ended;
    /// nobody reads the answer, but the metrics count a client's failure, not kura's.
    case abandoned

    package init?(_ error: any Error) {
        switch error {
        case is NIOTooManyBytesError: self = .tooLarge
        case let error as HTTPError where error.status == .contentTooLarge: self = .tooLarge
        case let error as HTTPParserError: self = .malformed("the request body is not valid HTTP/1.1 framing (\(error))")
        case NIOSSLError.uncleanShutdown, ChannelError.eof, ChannelError.inputClosed: self = .abandoned
        default: return nil
        }
    }

    package var status: HTTPResponse.Status {
        switch self {
        case .tooLarge: .contentTooLarge
        case .malformed, .abandoned: .badRequest
        }
    }

    package var message: String {
        switch self {
        case .tooLarge: "the request body is larger than this endpoint accepts"
        case .malformed(let reason): reason
        case .abandoned: "the client closed the connection before the request body ended"
        }
    }
}

// kura — a self-hosted encrypted container registry.
// ConnectionLimits: what a client may hold without credentials — a server-wide connection cap and
// the TLS handshake, request-head and idle deadlines of every connection (issue 13, point 2).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HummingbirdCore
import HummingbirdTLS
import KuraCore
import Logging
import Metrics
import NIOCore
import NIOHTTPTypes
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The limits every listener enforces, from ``KuraConfig``:
///
/// - `server.maxConnections`: open connections over all listeners; one more is accepted and closed at
///   once (before any TLS state is allocated) and a warning says so, at most every 10 s. Lowered at
///   start to what the open-file limit allows (each connection may hold a blob file besides its socket).
/// - `server.handshakeTimeout`: from accept to a completed TLS handshake.
/// - `server.headerTimeout`: from the handshake (first request) or from the first byte after the
///   previous response (later requests) to a complete request head — slowloris ends here.
/// - `server.bodyTimeout` and `server.bodyMinimumRate`: a request body must arrive within the
///   timeout plus one second per `bodyMinimumRate` bytes received (Apache's mod_reqtimeout rule): a
///   body trickled in a byte at a time ends here, a slow but steady upload goes on.
/// - `server.idleTimeout`: a keep-alive connection with no request in progress, or a request body
///   that sends nothing, is closed after this long (Hummingbird's idle timeout); so is a connection
///   that cannot send for this long because its client stopped reading.
///
/// ```swift
/// let limits = ConnectionLimits(config: config, logger: logger)   // raises RLIMIT_NOFILE, logs the limits
/// Application(responder: responder, server: limits.server(tls: tls), ...)
/// ```
struct ConnectionLimits: Sendable {
    let handshakeTimeout: Duration
    let headerTimeout: Duration
    let idleTimeout: Duration
    let bodyTimeout: Duration
    let bodyMinimumRate: Int
    /// Shared by every listener: the cap is server-wide.
    let limiter: ConnectionLimiter

    init(config: KuraConfig, logger: Logger) {
        var maxConnections = config.maxConnections
        if let files = OpenFileLimit.raiseToHardLimit() {
            // The database, the listeners and outgoing HTTPS clients keep some descriptors; a request
            // may hold a blob file besides its socket.
            let affordable = max(16, (files - 128) / 2)
            if maxConnections > affordable {
                logger.warning("server.maxConnections \(maxConnections) lowered to \(affordable): the open-file limit is \(files)")
                maxConnections = affordable
            }
        }
        self.handshakeTimeout = config.handshakeTimeout
        self.headerTimeout = config.headerTimeout
        self.idleTimeout = config.idleTimeout
        self.bodyTimeout = config.bodyTimeout
        self.bodyMinimumRate = config.bodyMinimumRate
        self.limiter = ConnectionLimiter(maxConnections: maxConnections, logger: logger)
        logger.info("""
            connection limits: \(maxConnections) connections, TLS handshake \(handshakeTimeout.configValue), \
            request head \(headerTimeout.configValue), idle \(idleTimeout.configValue)
            """)
    }

    /// HTTP/1.1 over TLS (what `.tls(.http1(), tlsConfiguration:)` builds) with these limits.
    func server(tls: TLSConfiguration) -> HTTPServerBuilder {
        let limits = self
        return HTTPServerBuilder { responder in
            // The responder is called once a request head has arrived and returns once its response
            // is written: the deadline handler (first in the pipeline) learns both by events.
            let tracked: HTTPChannelHandler.Responder = { (request, writer: consuming ResponseWriter, channel) in
                channel.triggerUserOutboundEvent(ConnectionEvent.requestStarted, promise: nil)
                defer { channel.triggerUserOutboundEvent(ConnectionEvent.requestFinished, promise: nil) }
                try await responder(request, writer, channel)
            }
            let http1 = HTTP1Channel(responder: tracked, configuration: .init(
                additionalChannelHandlers: [RequestProgressObserver()],
                idleTimeout: TimeAmount(limits.idleTimeout)))
            let tlsChannel = try TLSChannel(http1, tlsConfiguration: tls)
            return LimitedChildChannel(base: tlsChannel, limits: limits)
        }
    }
}

/// Wraps a child channel (TLS + HTTP/1.1): admits the connection under the cap, then puts the
/// deadline handler in front of everything else.
struct LimitedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limits: ConnectionLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limiter = limits.limiter
        guard limiter.admit() else {
            // Not yet registered: closing frees the descriptor and nothing else was allocated. NIO
            // drops a channel whose initializer failed without closing it, so it is closed here.
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionLimitReached())
        }
        channel.closeFuture.whenComplete { _ in limiter.release(on: channel.eventLoop) }
        let base = self.base
        let deadlines = ConnectionDeadlineHandler.Deadlines(handshake: TimeAmount(limits.handshakeTimeout),
                                                            header: TimeAmount(limits.headerTimeout), body: TimeAmount(limits.bodyTimeout),
                                                            bodyMinimumRate: limits.bodyMinimumRate, send: TimeAmount(limits.idleTimeout))
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                ConnectionDeadlineHandler(deadlines: deadlines, limiter: limiter, logger: logger),
                position: .first)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }.flatMapErrorThrowing { error in
            channel.close(promise: nil)
            throw error
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Why a connection over the cap was not set up (never seen by a client: it is closed).
struct ConnectionLimitReached: Error {}

/// What the deadline handler is told by the handlers behind TLS and by the responder.
enum ConnectionEvent: Sendable {
    case handshakeCompleted
    /// A request head was decoded: its body (if any) is on its way.
    case headReceived
    /// The request's body has ended.
    case bodyEnded
    case requestStarted
    case requestFinished
}

/// First in every connection's pipeline (before TLS). Closes the connection when the TLS handshake
/// does not complete within `handshakeTimeout` of accept, a request head does not arrive within
/// `headerTimeout` — of the handshake for the first request, of the first (encrypted) byte after
/// the previous response for later ones — a request body arrives slower than its allowance (the
/// body timeout plus a second per `bodyMinimumRate` bytes), or the connection cannot send for the
/// send timeout (a client that stopped reading). While a request is being answered, or the
/// connection is idle between requests, it sets no deadline (Hummingbird's idle timeout does).
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase: String {
        case handshake = "TLS handshake"
        case awaitingHead = "request head"
        case receivingBody = "request body"
        case inRequest
        case idle
    }

    /// The connection's time limits.
    struct Deadlines {
        let handshake: TimeAmount
        let header: TimeAmount
        let body: TimeAmount
        /// Bytes per second that each extend the body's allowance by a second.
        let bodyMinimumRate: Int
        let send: TimeAmount
    }

    private let deadlines: Deadlines
    private let limiter: ConnectionLimiter
    private let logger: Logger
    private var phase = Phase.handshake
    private var requestsInProgress = 0
    private var started = false
    private var deadline: Scheduled<Void>?
    /// While a body arrives: when its allowance ends (moved later by every byte received).
    private var bodyDeadline: NIODeadline?
    private var sendDeadline: Scheduled<Void>?

    init(deadlines: Deadlines, limiter: ConnectionLimiter, logger: Logger) {
        self.deadlines = deadlines
        self.limiter = limiter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
        sendDeadline?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        sendDeadline?.cancel()
        sendDeadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .idle:
            // The first bytes of the next request on a kept-alive connection start its head's deadline.
            phase = .awaitingHead
            arm(deadlines.header, context: context)
        case .receivingBody:
            // Each byte buys 1/bodyMinimumRate s; the deadline task moves itself when it fires early.
            let bytes = Int64(unwrapInboundIn(data).readableBytes)
            bodyDeadline = bodyDeadline.map { $0 + .nanoseconds(bytes * 1_000_000_000 / Int64(max(1, deadlines.bodyMinimumRate))) }
        default:
            break
        }
        context.fireChannelRead(data)
    }

    /// A client that stops reading makes the channel unwritable; if it stays so for the send
    /// timeout, the connection is closed.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            sendDeadline?.cancel()
            sendDeadline = nil
        } else if sendDeadline == nil {
            let timeout = deadlines.send
            sendDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                sendDeadline = nil
                guard !context.channel.isWritable else { return }
                limiter.timedOut(.inRequest)
                logger.debug("closing connection from \(context.channel.remoteAddress?.description ?? "?"): it read nothing for \(Duration(timeout).configValue)")
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? ConnectionEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .handshakeCompleted:
            if phase == .handshake {
                phase = .awaitingHead
                arm(deadlines.header, context: context)
            }
        case .headReceived:
            // A pipelined request's body waits behind the response being sent (back-pressure): only a
            // body the server is ready to read gets a deadline.
            guard requestsInProgress == 0 else { break }
            phase = .receivingBody
            bodyDeadline = .now() + deadlines.body
            arm(deadlines.body, context: context)
        case .bodyEnded:
            bodyDeadline = nil
            if phase == .receivingBody {
                phase = .inRequest
                cancelDeadline()
            }
        case .requestStarted:
            // Also ends the handshake phase, should its event have been missed; a body still
            // arriving keeps its deadline.
            requestsInProgress += 1
            if phase != .receivingBody {
                phase = .inRequest
                cancelDeadline()
            }
        case .requestFinished:
            requestsInProgress = max(0, requestsInProgress - 1)
            if requestsInProgress == 0 { phase = .idle }
        }
        promise?.succeed(())
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        arm(deadlines.handshake, context: context)
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        cancelDeadline()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            if phase == .receivingBody, let bodyDeadline, bodyDeadline > .now() {
                arm(bodyDeadline - .now(), context: context)  // the bytes received since bought more time
                return
            }
            guard phase == .handshake || phase == .awaitingHead || phase == .receivingBody else { return }
            limiter.timedOut(phase)
            logger.debug("closing connection from \(context.channel.remoteAddress?.description ?? "?"): \(phase.rawValue) not complete within \(Duration(timeout).configValue)")
            context.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}

/// Behind TLS and the HTTP codec (Hummingbird's `additionalChannelHandlers`): tells the deadline
/// handler in front of TLS that the handshake completed, and when each request's head has arrived
/// and its body has ended.
final class RequestProgressObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: context.triggerUserOutboundEvent(ConnectionEvent.headReceived, promise: nil)
        case .end: context.triggerUserOutboundEvent(ConnectionEvent.bodyEnded, promise: nil)
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            context.triggerUserOutboundEvent(ConnectionEvent.handshakeCompleted, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension RequestProgressObserver: Sendable {}

/// The server-wide count of open connections: admits up to `maxConnections`, warns (at most every
/// 10 s) when it refuses, counts refusals and timeouts in metrics, and returns freed memory to the
/// system after bursts of closed connections (see ``FreedMemory``).
final class ConnectionLimiter: Sendable {
    let maxConnections: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let openGauge = Meter(label: "kura_connections_open")
    private let refusedCounter = Counter(label: "kura_connections_refused_total")
    private let handshakeTimeouts = Counter(label: "kura_connections_timed_out_total", dimensions: [("phase", "handshake")])
    private let headerTimeouts = Counter(label: "kura_connections_timed_out_total", dimensions: [("phase", "header")])
    private let bodyTimeouts = Counter(label: "kura_connections_timed_out_total", dimensions: [("phase", "body")])
    private let sendTimeouts = Counter(label: "kura_connections_timed_out_total", dimensions: [("phase", "send")])

    /// How often the refusal warning may repeat.
    static let warningInterval = Duration.seconds(10)
    /// Closed connections after which freed memory is handed back, and the spacing of such trims.
    static let trimAfterClosed = 128
    static let trimDelay = Duration.seconds(2)
    static let trimSpacing = Duration.seconds(5)

    private struct State {
        var open = 0
        var refusedSinceWarning = 0
        var lastWarning: ContinuousClock.Instant?
        var closedSinceTrim = 0
        var trimScheduled = false
        var lastTrim: ContinuousClock.Instant?
    }

    init(maxConnections: Int, logger: Logger) {
        self.maxConnections = maxConnections
        self.logger = logger
    }

    /// Counts a new connection in, or refuses it (false) when `maxConnections` are open.
    func admit() -> Bool {
        let now = ContinuousClock.now
        let decision: (admitted: Bool, warning: (open: Int, refused: Int)?) = state.withLock { state in
            guard state.open >= maxConnections else {
                state.open += 1
                return (true, nil)
            }
            state.refusedSinceWarning += 1
            if let last = state.lastWarning, now - last < ConnectionLimiter.warningInterval { return (false, nil) }
            defer { state.lastWarning = now; state.refusedSinceWarning = 0 }
            return (false, (open: state.open, refused: state.refusedSinceWarning))
        }
        if decision.admitted {
            openGauge.increment()
        } else {
            refusedCounter.increment()
        }
        if let warning = decision.warning {
            logger.warning("""
                connection limit reached: \(warning.open) connections open (server.maxConnections \(maxConnections)); \
                refused \(warning.refused) new connection(s) since the last warning
                """)
        }
        return decision.admitted
    }

    /// Counts a closed connection out; `eventLoop` keeps the timer of a trim this close schedules.
    func release(on eventLoop: any EventLoop) {
        let now = ContinuousClock.now
        let trimIn: Duration? = state.withLock { state in
            state.open -= 1
            state.closedSinceTrim += 1
            guard !state.trimScheduled, state.closedSinceTrim >= ConnectionLimiter.trimAfterClosed else { return nil }
            state.trimScheduled = true
            let earliest = state.lastTrim.map { $0 + ConnectionLimiter.trimSpacing } ?? now
            return max(ConnectionLimiter.trimDelay, earliest - now)
        }
        openGauge.decrement()
        if let trimIn { scheduleTrim(in: trimIn, on: eventLoop) }
    }

    func timedOut(_ phase: ConnectionDeadlineHandler.Phase) {
        switch phase {
        case .handshake: handshakeTimeouts.increment()
        case .awaitingHead: headerTimeouts.increment()
        case .receivingBody: bodyTimeouts.increment()
        case .inRequest, .idle: sendTimeouts.increment()
        }
    }

    /// The delay (NIO's timer) lets the rest of a burst close first; the trim itself runs on NIO's
    /// blocking-work pool, off the event loops.
    private func scheduleTrim(in delay: Duration, on eventLoop: any EventLoop) {
        eventLoop.scheduleTask(in: TimeAmount(delay)) { [self] in
            NIOThreadPool.singleton.submit { [self] _ in
                let closed: Int = state.withLock { state in
                    defer { state.closedSinceTrim = 0; state.trimScheduled = false; state.lastTrim = ContinuousClock.now }
                    return state.closedSinceTrim
                }
                if FreedMemory.returnToSystem() {
                    logger.debug("returned freed memory to the system after \(closed) connections closed")
                }
            }
        }
    }
}

/// Hands memory that was freed back to the kernel.
///
/// A connection costs about 45 KB while it is open — NIOSSL's 32 KiB plaintext buffer (allocated when
/// the TLS handler is added, before the client sends a byte), BoringSSL's state, the HTTP codec, the
/// async channel and its task — and all of it is freed when the connection closes. But glibc's
/// malloc keeps freed memory in its per-thread arenas and returns only the top of a heap to the
/// kernel, so after a burst of thousands of connections the process keeps its peak RSS for good
/// (the 118 MB → 1.0 GB that stayed). `malloc_trim(0)` releases every free page of every arena
/// (`madvise(MADV_DONTNEED)`). It is looked up at run time because Swift's Glibc module does not
/// include `<malloc.h>`; elsewhere (Darwin, musl) this does nothing.
enum FreedMemory {
    /// - Returns: whether memory was released.
    @discardableResult
    static func returnToSystem() -> Bool {
        #if canImport(Glibc)
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return false }
        let mallocTrim = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        return mallocTrim(0) != 0
        #else
        return false
        #endif
    }
}

/// The process's limit on open files (RLIMIT_NOFILE).
enum OpenFileLimit {
    /// Raises the soft limit to the hard limit, as Go servers do at start: the cap, not the
    /// descriptor limit, must be what a flood of connections runs into.
    /// - Returns: the soft limit now in force, or nil when it cannot be read.
    static func raiseToHardLimit() -> Int? {
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        let ceiling: rlim_t = 1 << 20  // Linux's default fs.nr_open
        #elseif canImport(Darwin)
        let resource = RLIMIT_NOFILE
        let ceiling: rlim_t = 10240  // Darwin's OPEN_MAX; setrlimit refuses more
        #else
        return nil
        #endif
        #if canImport(Glibc) || canImport(Darwin)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let target = min(limit.rlim_max, ceiling)
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
        #endif
    }
}

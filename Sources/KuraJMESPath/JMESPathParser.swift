// kura — a self-hosted encrypted container registry.
// JMESPathParser: tokens → syntax tree (a Pratt parser with the specification's binding powers).

import KuraAPI
/// The syntax tree of an expression.
indirect enum JMESPathNode: Equatable, Sendable {
    case identity
    case current
    case field(String)
    case subexpression(JMESPathNode, JMESPathNode)
    case index(Int)
    case slice(Int?, Int?, Int?)
    case indexExpression(JMESPathNode, JMESPathNode)
    case projection(JMESPathNode, JMESPathNode)
    case valueProjection(JMESPathNode, JMESPathNode)
    case filterProjection(JMESPathNode, JMESPathNode, condition: JMESPathNode)
    case flatten(JMESPathNode)
    case literal(JSONValue)
    case multiSelectList([JMESPathNode])
    case multiSelectHash([(String, JMESPathNode)])
    case comparator(JMESPathToken.Kind, JMESPathNode, JMESPathNode)
    case or(JMESPathNode, JMESPathNode)
    case and(JMESPathNode, JMESPathNode)
    case not(JMESPathNode)
    case pipe(JMESPathNode, JMESPathNode)
    case function(String, [JMESPathNode])
    case expref(JMESPathNode)

    static func == (lhs: JMESPathNode, rhs: JMESPathNode) -> Bool { "\(lhs)" == "\(rhs)" }
}

struct JMESPathParser {
    private var tokens: [JMESPathToken]
    private var position = 0
    /// Sub-expressions open around the current token.
    private var depth = 0
    /// Operators (`.`, `|`, `[…]`, comparisons, …) applied so far.
    private var operators = 0
    /// Deepest nesting parsed, and most operators in one expression: beyond either an expression
    /// is a syntax error, never a stack overflow in the parser or the interpreter.
    static let maximumDepth = 128
    static let maximumOperators = 1024

    static func parse(_ expression: String) throws(JMESPathError) -> JMESPathNode {
        var parser = JMESPathParser(tokens: try JMESPathLexer.tokenize(expression))
        let node = try parser.expression(0)
        guard parser.current.kind == .eof else { throw parser.unexpected() }
        return node
    }

    private init(tokens: [JMESPathToken]) { self.tokens = tokens }

    static func bindingPower(_ kind: JMESPathToken.Kind) -> Int {
        switch kind {
        case .pipe: 1
        case .or: 2
        case .and: 3
        case .eq, .ne, .lt, .lte, .gt, .gte: 5
        case .flatten: 9
        case .star: 20
        case .filter: 21
        case .dot: 40
        case .not: 45
        case .lbrace: 50
        case .lbracket: 55
        case .lparen: 60
        default: 0
        }
    }

    private var current: JMESPathToken { tokens[position] }
    private func lookahead(_ offset: Int) -> JMESPathToken { tokens[min(position + offset, tokens.count - 1)] }
    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func match(_ kind: JMESPathToken.Kind) throws(JMESPathError) {
        guard current.kind == kind else { throw unexpected(expecting: "\(kind)") }
        advance()
    }

    private func unexpected(expecting: String? = nil) -> JMESPathError {
        JMESPathError(.syntax, "unexpected \(current.kind) at \(current.position)" + (expecting.map { ", expected \($0)" } ?? ""))
    }

    private mutating func expression(_ bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        guard depth < Self.maximumDepth else {
            throw JMESPathError(.syntax, "the expression nests deeper than \(Self.maximumDepth) levels at \(current.position)")
        }
        depth += 1
        defer { depth -= 1 }
        let token = current
        advance()
        var left = try nud(token)
        while bindingPower < Self.bindingPower(current.kind) {
            let kind = current.kind
            advance()
            // Each operator applied here wraps `left` once more, and evaluation recurses that deep.
            operators += 1
            guard operators <= Self.maximumOperators else {
                throw JMESPathError(.syntax, "the expression has more than \(Self.maximumOperators) operators")
            }
            left = try led(kind, left)
        }
        return left
    }

    private mutating func nud(_ token: JMESPathToken) throws(JMESPathError) -> JMESPathNode {
        switch token.kind {
        case .literal: return .literal(token.value)
        case .unquotedIdentifier: return .field(token.text)
        case .quotedIdentifier:
            guard current.kind != .lparen else { throw JMESPathError(.syntax, "a quoted identifier cannot name a function") }
            return .field(token.text)
        case .star:
            let right: JMESPathNode = current.kind == .rbracket ? .identity : try projectionRHS(Self.bindingPower(.star))
            return .valueProjection(.identity, right)
        case .filter: return try led(.filter, .identity)
        case .lbrace: return try multiSelectHash()
        case .lparen:
            let inner = try expression(0)
            try match(.rparen)
            return inner
        case .flatten: return .projection(.flatten(.identity), try projectionRHS(Self.bindingPower(.flatten)))
        case .not: return .not(try expression(Self.bindingPower(.not)))
        case .lbracket:
            if current.kind == .number || current.kind == .colon {
                return try projectIfSlice(.identity, try indexExpression())
            }
            if current.kind == .star && lookahead(1).kind == .rbracket {
                advance()
                advance()
                return .projection(.identity, try projectionRHS(Self.bindingPower(.star)))
            }
            return try multiSelectList()
        case .current: return .current
        case .expref: return .expref(try expression(Self.bindingPower(.expref)))
        default:
            throw JMESPathError(.syntax, "unexpected \(token.kind) at \(token.position)")
        }
    }

    private mutating func led(_ kind: JMESPathToken.Kind, _ left: JMESPathNode) throws(JMESPathError) -> JMESPathNode {
        switch kind {
        case .dot:
            if current.kind == .star {
                advance()
                return .valueProjection(left, try projectionRHS(Self.bindingPower(.dot)))
            }
            return .subexpression(left, try dotRHS(Self.bindingPower(.dot)))
        case .pipe: return .pipe(left, try expression(Self.bindingPower(.pipe)))
        case .or: return .or(left, try expression(Self.bindingPower(.or)))
        case .and: return .and(left, try expression(Self.bindingPower(.and)))
        case .lparen:
            guard case .field(let name) = left else { throw JMESPathError(.syntax, "invalid function name") }
            var arguments: [JMESPathNode] = []
            while current.kind != .rparen {
                arguments.append(try expression(0))
                if current.kind == .comma {
                    try match(.comma)
                    guard current.kind != .rparen else { throw unexpected() }
                } else if current.kind != .rparen {
                    throw unexpected(expecting: "',' or ')'")
                }
            }
            try match(.rparen)
            return .function(name, arguments)
        case .filter:
            let condition = try expression(0)
            try match(.rbracket)
            let right: JMESPathNode = current.kind == .flatten ? .identity : try projectionRHS(Self.bindingPower(.filter))
            return .filterProjection(left, right, condition: condition)
        case .eq, .ne, .lt, .lte, .gt, .gte:
            return .comparator(kind, left, try expression(Self.bindingPower(kind)))
        case .flatten:
            return .projection(.flatten(left), try projectionRHS(Self.bindingPower(.flatten)))
        case .lbracket:
            if current.kind == .number || current.kind == .colon {
                return try projectIfSlice(left, try indexExpression())
            }
            try match(.star)
            try match(.rbracket)
            return .projection(left, try projectionRHS(Self.bindingPower(.star)))
        default:
            throw JMESPathError(.syntax, "unexpected \(kind)")
        }
    }

    private mutating func indexExpression() throws(JMESPathError) -> JMESPathNode {
        if current.kind == .colon || lookahead(1).kind == .colon { return try sliceExpression() }
        guard current.kind == .number else { throw unexpected(expecting: "a number") }
        let node = JMESPathNode.index(current.number)
        advance()
        try match(.rbracket)
        return node
    }

    private mutating func sliceExpression() throws(JMESPathError) -> JMESPathNode {
        var parts: [Int?] = [nil, nil, nil]
        var index = 0
        while current.kind != .rbracket && index < 3 {
            if current.kind == .colon {
                index += 1
                guard index < 3 else { throw unexpected() }
                advance()
            } else if current.kind == .number {
                parts[index] = current.number
                advance()
            } else {
                throw unexpected(expecting: "a number or ':'")
            }
        }
        try match(.rbracket)
        return .slice(parts[0], parts[1], parts[2])
    }

    private mutating func projectIfSlice(_ left: JMESPathNode, _ right: JMESPathNode) throws(JMESPathError) -> JMESPathNode {
        let indexed = JMESPathNode.indexExpression(left, right)
        if case .slice = right { return .projection(indexed, try projectionRHS(Self.bindingPower(.star))) }
        return indexed
    }

    private mutating func multiSelectList() throws(JMESPathError) -> JMESPathNode {
        var expressions: [JMESPathNode] = []
        while true {
            expressions.append(try expression(0))
            if current.kind == .rbracket { break }
            try match(.comma)
        }
        try match(.rbracket)
        return .multiSelectList(expressions)
    }

    private mutating func multiSelectHash() throws(JMESPathError) -> JMESPathNode {
        var pairs: [(String, JMESPathNode)] = []
        while true {
            guard current.kind == .quotedIdentifier || current.kind == .unquotedIdentifier else { throw unexpected(expecting: "a key") }
            let key = current.text
            advance()
            try match(.colon)
            pairs.append((key, try expression(0)))
            if current.kind == .comma {
                try match(.comma)
            } else {
                try match(.rbrace)
                break
            }
        }
        return .multiSelectHash(pairs)
    }

    private mutating func projectionRHS(_ bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        if Self.bindingPower(current.kind) < 10 { return .identity }
        switch current.kind {
        case .lbracket, .filter: return try expression(bindingPower)
        case .dot:
            try match(.dot)
            return try dotRHS(bindingPower)
        default: throw unexpected()
        }
    }

    private mutating func dotRHS(_ bindingPower: Int) throws(JMESPathError) -> JMESPathNode {
        switch current.kind {
        case .quotedIdentifier, .unquotedIdentifier, .star: return try expression(bindingPower)
        case .lbracket:
            try match(.lbracket)
            return try multiSelectList()
        case .lbrace:
            try match(.lbrace)
            return try multiSelectHash()
        default: throw unexpected(expecting: "an identifier, '*', '[' or '{' after '.'")
        }
    }
}

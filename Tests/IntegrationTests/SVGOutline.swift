import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// What an exptrain SVG picture holds, read with Foundation's XML parser (which fails on
/// anything that is not well-formed XML).
struct SVGOutline {
    struct Curve {
        var run: String
        var points: Int
        var colour: String
    }

    struct Panel {
        var metric: String
        var curves: [Curve] = []
        var tickLabels = 0
    }

    var panels: [Panel] = []
    var legend: [String] = []

    init(file: URL) throws {
        let reader = Reader()
        let parser = XMLParser(data: try Data(contentsOf: file))
        parser.delegate = reader
        guard parser.parse() else {
            throw XMLParserFailure(file: file.path, reason: parser.parserError.map { "\($0)" } ?? "unknown")
        }
        XCTAssertEqual(reader.root, "svg")
        panels = reader.panels
        legend = reader.legend
    }

    struct XMLParserFailure: Error {
        var file: String
        var reason: String
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var root: String?
        var panels: [Panel] = []
        var legend: [String] = []
        private var group: String?
        private var text: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            root = root ?? name
            switch name {
            case "g":
                group = attributes["class"]
                if group == "panel" { panels.append(Panel(metric: attributes["data-metric"] ?? "")) }
            case "polyline" where group == "panel":
                let points = (attributes["points"] ?? "").split(separator: " ").count
                panels[panels.count - 1].curves.append(Curve(run: attributes["data-run"] ?? "", points: points, colour: attributes["stroke"] ?? ""))
            case "text":
                text = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text? += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            guard name == "text", let content = text else { return }
            text = nil
            if group == "legend" {
                legend.append(content)
            } else if group == "panel", Double(content.replacingOccurrences(of: "k", with: "").replacingOccurrences(of: "M", with: "")) != nil {
                panels[panels.count - 1].tickLabels += 1
            }
        }
    }
}

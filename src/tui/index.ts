/** The terminal debugger: `runTui` over a Session, behind the blessed adapter. */
export { runTui, TuiApp, type TuiOptions } from './app.js';
export { openBlessedTerminal } from './blessed-terminal.js';
export { layout, type PaneName } from './layout.js';
export { LineEditor } from './line-editor.js';
export type { KeyEvent, Line, Pane, Region, Span, Style, Terminal } from './terminal.js';
export { targetInfo, type TargetInfo } from './target-info.js';

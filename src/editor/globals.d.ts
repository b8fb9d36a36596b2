// What the editor's browser code uses of the Node-RED editor and of its jQuery, declared here because the editor
// is not a package this project depends on (and @types/jquery is not installed). Only what src/editor uses.

/** A jQuery selection, reduced to the methods the dialogs call. */
interface JQuerySelection {
  length: number;
  val(): string | undefined;
  val(value: string): JQuerySelection;
  text(value: string): JQuerySelection;
  prop(name: 'checked', value: boolean): JQuerySelection;
  attr(name: string, value: string): JQuerySelection;
  on(events: string, handler: (this: HTMLElement, event: JQueryEvent) => void): JQuerySelection;
  trigger(event: string): JQuerySelection;
  toggle(show: boolean): JQuerySelection;
  show(): JQuerySelection;
  toggleClass(name: string, on: boolean): JQuerySelection;
  is(selector: string): boolean;
  append(child: JQuerySelection): JQuerySelection;
  appendTo(parent: JQuerySelection): JQuerySelection;
  /** Each selected element's value, as jQuery's map(...).get() collects them. */
  map(each: (this: HTMLInputElement) => string): { get(): string[] };
  typedInput(options: TypedInputOptions): JQuerySelection;
}

interface TypedInputType {
  value: string;
  label?: string;
  icon?: string;
  options?: readonly string[];
}

interface TypedInputOptions {
  default?: string;
  types: Array<string | TypedInputType>;
  typeField?: string;
}

/** What a jQuery event handler receives, reduced to what the dialogs call. */
interface JQueryEvent {
  preventDefault(): void;
}

declare function $(selector: string | HTMLElement): JQuerySelection;
/** A new element: `$('<tag>', attributes)`. */
declare function $(html: string, attributes: Record<string, string>): JQuerySelection;

/** What a failed jQuery request hands its fail callback, reduced to what the sidebar reads. */
interface AjaxFailure {
  status: number;
  responseJSON?: { error?: string };
}

interface AjaxSettings {
  url: string;
  data?: Record<string, string>;
  dataType: 'json';
  cache: boolean;
}

declare namespace $ {
  /** The editor's requests go through jQuery: with adminAuth on, the editor adds its access token to them. */
  function ajax<T>(settings: AjaxSettings): { then(done: (answer: T) => void, fail: (failure: AjaxFailure) => void): void };
}

/** An editor plugin's definition as registered, with the translator Node-RED adds for the plugin's namespace. */
interface EditorPlugin {
  _(key: string, data?: Record<string, string>): string;
}

interface SidebarTabOptions {
  id: string;
  label: string;
  name: string;
  iconClass: string;
  content: JQuerySelection;
  enableOnEdit?: boolean;
  /** Called each time the tab is shown. */
  onchange?: () => void;
}

/** A node's definition as registered, with the translator Node-RED adds for the package's namespace. */
interface EditorNodeDefinition {
  _(key: string, data?: Record<string, string>): string;
}

/** The `this` of a definition's functions (label, oneditprepare, validate): the node's properties. */
interface EditorNode {
  _(key: string, data?: Record<string, string>): string;
  settingsVersion?: unknown;
  [property: string]: unknown;
}

/** The options object the editor passes a validator when it wants a message rather than a boolean. */
type ValidatorOptions = object | undefined;

/** A node as the editor holds it (RED.nodes.node): its properties and the editor's bookkeeping. */
interface EditorNodeState {
  id: string;
  type: string;
  environment?: string;
  /** Set by RED.editor.validateNode; undefined before the first validation. */
  valid?: boolean;
  validationErrors?: unknown[];
  /** A config node's users. */
  users?: EditorNodeState[];
  /** Until a deploy: the credentials the dialog loaded or was given (password fields as has_<name>). */
  credentials?: Record<string, unknown>;
  [property: string]: unknown;
}

declare const RED: {
  nodes: {
    getType(type: string): EditorNodeDefinition;
    node(id: string | undefined): EditorNodeState | null;
    filterLinks(filter: { source: EditorNode }): Array<{ sourcePort: number }>;
  };
  utils: {
    validatePropertyExpression(expression: string): boolean | string;
    getNodeLabel(node: EditorNodeState, defaultLabel?: string): string;
  };
  editor: {
    validateNode(node: EditorNodeState): boolean;
  };
  view: {
    redraw(full?: boolean): void;
  };
  settings: {
    httpNodeRoot?: string | false;
    context?: { stores?: string[] };
  };
  sidebar: {
    addTab(options: SidebarTabOptions): void;
    show(id: string): void;
    /** The configuration nodes tab. */
    config: { refresh(): void };
  };
  comms: {
    /** `topic` may end in `/#` (every topic below it). */
    subscribe(topic: string, callback: (topic: string, data: unknown) => void): void;
  };
  actions: {
    add(name: string, handler: () => void): void;
  };
  events: {
    on(event: string, handler: () => void): void;
  };
};

/** The endpoint table as the editor receives it (scripts/build-editor.js reduces src/plaid/endpoints.ts). */
type EditorField = Pick<import('../plaid/endpoints').FieldSpec, 'name' | 'required' | 'kind' | 'values' | 'default' | 'in' | 'mode'>;
type EditorEndpoint = Pick<import('../plaid/endpoints').EndpointSpec, 'label' | 'sandboxOnly'> & {
  fields: EditorField[];
  storeFields: EditorField[];
  mode?: EditorField;
};
type EditorEndpointTable = Record<string, EditorEndpoint>;

/** src/nodes/migrations.ts, inlined by the build ahead of every node set's browser code (the runtime's own table). */
declare const migrations: typeof import('../nodes/migrations');

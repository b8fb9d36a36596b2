// What the editor's browser code finds in scope beyond the DOM, jQuery (@types/jquery) and the editor's own types
// (@types/node-red__editor-client): the editor page's RED, whose type that package declares but not as a global, and
// what scripts/build-editor.js inlines ahead of every node set's code. Where the package's types are looser or
// narrower than the editor we run in (Node-RED 4 and 5), the augmentations below say what the editor really has.
import type * as Editor from '@node-red/editor-client';
import type { I18nTFunction } from '@node-red/util';

declare module '@node-red/editor-client' {
  /** The settings the editor loads from the runtime: the context stores it was started with. */
  interface SettingsWithData {
    context?: { default?: string; stores?: string[] };
  }
  /** The sidebar's tabs also take `onchange`, called each time the tab is shown. */
  interface Sidebar {
    addTab(options: {
      id: string;
      name: string;
      label?: string;
      iconClass?: string;
      content?: HTMLElement;
      enableOnEdit?: boolean;
      onchange?: () => void;
    }): void;
  }
  /** Node-RED adds the translator of the package's namespace to every registered definition. */
  interface NodeDef<TProps extends NodeProperties, TCreds = undefined, TInstProps extends TProps = TProps> {
    _: I18nTFunction;
  }
}

declare global {
  const RED: Editor.RED;

  /**
   * A node as the definition's functions see it (`this` of label, oneditprepare, validate): the translator the
   * editor gives it, and its settings, any of them.
   */
  type EditorNode = Pick<Editor.NodeInstance, '_'> & { settingsVersion?: unknown; [property: string]: unknown };

  /** An editor plugin's definition as registered, with the translator Node-RED adds for the plugin's namespace. */
  interface EditorPlugin {
    _: I18nTFunction;
  }

  /** A node type's definition as registered (for its translator, `_`). */
  type EditorNodeDefinition = Editor.NodeDef<Editor.NodeProperties>;

  /** One entry of a typedInput's `types`: a built-in type's name, or a type of the node's own. */
  type TypedInputType = Editor.WidgetTypedInputType | Editor.WidgetTypedInputTypeDefinition;

  /** The options object the editor passes a validator when it wants a message rather than a boolean. */
  type ValidatorOptions = object | undefined;

  /** The endpoint table as the editor receives it (scripts/build-editor.js reduces src/plaid/endpoints.ts). */
  type EditorField = Pick<import('../plaid/endpoints').FieldSpec, 'name' | 'required' | 'kind' | 'values' | 'default' | 'in' | 'mode'>;
  type EditorEndpoint = Pick<import('../plaid/endpoints').EndpointSpec, 'label' | 'sandboxOnly'> & {
    fields: EditorField[];
    storeFields: EditorField[];
    mode?: EditorField;
  };
  type EditorEndpointTable = Record<string, EditorEndpoint>;

  /** src/nodes/migrations.ts, inlined by the build ahead of every node set's browser code (the runtime's own table). */
  const migrations: typeof import('../nodes/migrations');

  /** src/plaid/repair/schedule.ts, inlined by the build ahead of plaid-item-repair's browser code (the runtime's reader). */
  const repairSchedule: typeof import('../plaid/repair/schedule');
}

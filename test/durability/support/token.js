'use strict';
// The token each durability Item gets: derived from its item_id, so the checker knows what must come back.
module.exports = { tokenFor: (itemId) => `access-sandbox-durable-${itemId}-0f6e2d4c` };

CREATE TABLE "stock" (
	"kind" text NOT NULL,
	"id" uuid NOT NULL,
	"capacity" integer NOT NULL,
	"sold" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "stock_kind_id_pk" PRIMARY KEY("kind","id"),
	CONSTRAINT "stock_kind_check" CHECK ("stock"."kind" IN ('event', 'listing', 'product')),
	CONSTRAINT "stock_capacity_check" CHECK ("stock"."capacity" >= 0),
	CONSTRAINT "stock_sold_check" CHECK ("stock"."sold" >= 0 AND "stock"."sold" <= "stock"."capacity")
);
--> statement-breakpoint
-- The counter moves from the events table to the sales engine's stock. Writes to events wait
-- until the column is gone, so no hold taken meanwhile is counted in the old place only.
LOCK TABLE "events" IN EXCLUSIVE MODE;--> statement-breakpoint
INSERT INTO "stock" ("kind", "id", "capacity", "sold") SELECT 'event', "id", "capacity", "sold" FROM "events";--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_sold_check";--> statement-breakpoint
ALTER TABLE "events" DROP COLUMN "sold";
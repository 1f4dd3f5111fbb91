import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type OsFamily = 'netplan' | 'ifupdown' | 'rhel' | 'suse';

export interface ImagesTable {
  id: Generated<number>;
  lab_id: number;
  name: string;
  /** The imaging server's (FOG's) id of the image. */
  imaging_id: string;
  os_family: OsFamily;
}

export type ImageRow = Selectable<ImagesTable>;
export type NewImageRow = Insertable<ImagesTable>;
export type ImageRowUpdate = Updateable<ImagesTable>;

using System.Collections;
using System.Collections.Generic;
using UnityEngine;
using UnityEngine.Events;

namespace Spark.Presets.TopDownAction
{
    /// <summary>
    /// A short-range swing used by the player and by enemies: after an optional wind-up, every
    /// <see cref="Health"/> on the target layers inside a circle in front of the attacker takes
    /// damage once and is knocked back if it has a <see cref="TopDownMover"/>.
    /// </summary>
    /// <remarks>
    /// Give enemies a wind-up (about 0.2–0.4 s) so players can read and dodge the attack; the
    /// player's own attack usually has none. Set Target Layers to the opposing side only
    /// (the player's attack hits "Enemy", enemies hit "Player") to avoid friendly fire.
    /// </remarks>
    [DisallowMultipleComponent]
    public sealed class MeleeAttack : MonoBehaviour
    {
        [Tooltip("Damage dealt to each target hit.")]
        [SerializeField, Min(1)] private int damage = 1;
        [Tooltip("Distance from the attacker's center to the center of the hit circle.")]
        [SerializeField, Min(0f)] private float reach = 0.6f;
        [Tooltip("Radius of the hit circle.")]
        [SerializeField, Min(0.01f)] private float radius = 0.5f;
        [Tooltip("Delay between starting the attack and the hit landing.")]
        [SerializeField, Min(0f)] private float windup;
        [Tooltip("Minimum seconds between the starts of two attacks.")]
        [SerializeField, Min(0f)] private float cooldown = 0.35f;
        [Tooltip("Layers that can be hit.")]
        [SerializeField] private LayerMask targetLayers;
        [Tooltip("Speed the target is pushed away with (0 = no knockback).")]
        [SerializeField, Min(0f)] private float knockbackSpeed = 6f;
        [Tooltip("Seconds the knockback lasts.")]
        [SerializeField, Min(0f)] private float knockbackDuration = 0.15f;

        [Header("Events")]
        [Tooltip("Raised when an attack starts: play the swing animation and sound here.")]
        [SerializeField] private UnityEvent attackStarted = new UnityEvent();
        [Tooltip("Raised for each target damaged, with the target's GameObject.")]
        [SerializeField] private UnityEvent<GameObject> targetHit = new UnityEvent<GameObject>();

        private readonly List<Collider2D> overlaps = new List<Collider2D>(16);
        private readonly HashSet<Health> alreadyHit = new HashSet<Health>();
        private Health ownHealth;
        private float nextAttackTime;
        private Vector2 lastDirection = Vector2.down;

        /// <summary>Whether an attack is between its start and its hit.</summary>
        public bool IsAttacking { get; private set; }

        /// <summary>Whether <see cref="TryAttack"/> would start an attack now.</summary>
        public bool IsReady => !IsAttacking && Time.time >= nextAttackTime;

        /// <summary>Distance from the attacker at which the hit circle is centered.</summary>
        public float Reach => reach;

        /// <summary>Reach plus radius: the farthest point this attack can touch.</summary>
        public float Range => reach + radius;

        /// <summary>Raised when an attack starts.</summary>
        public UnityEvent AttackStarted => attackStarted;

        /// <summary>Raised for each target damaged.</summary>
        public UnityEvent<GameObject> TargetHit => targetHit;

        private void Awake()
        {
            ownHealth = GetComponentInParent<Health>();
        }

        private void OnDisable()
        {
            IsAttacking = false;
        }

        /// <summary>
        /// Starts an attack toward <paramref name="direction"/> if the cooldown has elapsed and no
        /// attack is in progress.
        /// </summary>
        /// <returns>True when an attack started.</returns>
        public bool TryAttack(Vector2 direction)
        {
            if (!isActiveAndEnabled || !IsReady)
            {
                return false;
            }

            lastDirection = direction.sqrMagnitude > 0.0001f ? direction.normalized : lastDirection;
            nextAttackTime = Time.time + cooldown;
            attackStarted.Invoke();

            if (windup > 0f)
            {
                StartCoroutine(HitAfterWindup(lastDirection));
            }
            else
            {
                Hit(lastDirection);
            }

            return true;
        }

        private IEnumerator HitAfterWindup(Vector2 direction)
        {
            IsAttacking = true;
            yield return new WaitForSeconds(windup);
            IsAttacking = false;
            Hit(direction);
        }

        private void Hit(Vector2 direction)
        {
            Vector2 origin = transform.position;
            Vector2 center = origin + direction * reach;

            ContactFilter2D filter = new ContactFilter2D { useTriggers = true };
            filter.SetLayerMask(targetLayers);

            int count = Physics2D.OverlapCircle(center, radius, filter, overlaps);
            alreadyHit.Clear();
            for (int i = 0; i < count; i++)
            {
                // A target made of several colliders is still hit only once per swing.
                Health target = overlaps[i].GetComponentInParent<Health>();
                if (target == null || target == ownHealth || !alreadyHit.Add(target))
                {
                    continue;
                }

                if (!target.TakeDamage(damage))
                {
                    continue;
                }

                if (knockbackSpeed > 0f && target.TryGetComponent(out TopDownMover mover))
                {
                    Vector2 away = (Vector2)target.transform.position - origin;
                    Vector2 push = away.sqrMagnitude > 0.0001f ? away.normalized : direction;
                    mover.ApplyKnockback(push * knockbackSpeed, knockbackDuration);
                }

                targetHit.Invoke(target.gameObject);
            }
        }

        private void OnDrawGizmosSelected()
        {
            Gizmos.color = new Color(1f, 0.3f, 0.2f, 0.8f);
            Gizmos.DrawWireSphere((Vector2)transform.position + lastDirection * reach, radius);
        }
    }
}
